using Pccl.Transport;

namespace Pccl.Operations.Collectives;

/// <summary>One connection an operation sends on, with the scratch memory its sender encodes pieces into.</summary>
internal readonly record struct OutgoingStripe(EstablishedConnection Connection, Memory<byte> SendScratch);
