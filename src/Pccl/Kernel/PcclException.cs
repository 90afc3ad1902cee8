namespace Pccl;

/// <summary>
/// The one exception type PCCL throws. <see cref="Code"/> says what happened and
/// <see cref="IsTransient"/> whether repeating the call can succeed.
/// </summary>
public class PcclException : Exception
{
    /// <summary>Creates an exception with a code, a message and the retry hint.</summary>
    public PcclException(PcclErrorCode code, string message, bool isTransient = false, Exception? innerException = null)
        : base(message, innerException)
    {
        Code = code;
        IsTransient = isTransient;
    }

    /// <summary>What went wrong.</summary>
    public PcclErrorCode Code { get; }

    /// <summary>True when repeating the operation (usually with a smaller world) can succeed.</summary>
    public bool IsTransient { get; }

    /// <summary>The peer whose loss caused the failure, when known.</summary>
    public ulong? LostPeerId { get; init; }
}
