using Microsoft.Extensions.Logging;
using Pccl.Native.Abi;
using Pccl.Native.Telemetry;

namespace Pccl.Native;

/// <summary>
/// What a <c>pcclComm_t*</c> stands for: the options and loggers it was created with, the connected <see cref="Communicator"/>
/// once <c>pcclConnect</c> succeeded, and the async all-reduces started on it and not yet awaited, by tag.
/// </summary>
internal sealed class NativeCommunicator(CommunicatorOptions options, ILoggerFactory loggers)
{
    private readonly Lock _lock = new();
    private readonly Dictionary<ulong, Task<AllReduceInfo>?> _asyncOps = [];
    private Communicator? _communicator;
    private bool _connecting;
    private bool _destroyed;
    private string _master = $"{options.MasterHost}:{options.MasterPort}";
    private ulong _revision;

    /// <summary>The communicator once connected; null before.</summary>
    public Communicator? Connected => Volatile.Read(ref _communicator);

    /// <summary>The master this communicator registered with last ("host:port"): the one it was created for until a failover.</summary>
    public string Master => Volatile.Read(ref _master);

    /// <summary>The shared-state revision the latest <c>pcclSynchronizeSharedState</c> ended with; 0 before any.</summary>
    public ulong SharedStateRevision
    {
        get => Volatile.Read(ref _revision);
        set => Volatile.Write(ref _revision, value);
    }

    /// <summary>True while an async all-reduce was started and not awaited (PCCL's "pending async ops").</summary>
    public bool HasAsyncOps
    {
        get
        {
            lock (_lock)
            {
                return _asyncOps.Count > 0;
            }
        }
    }

    /// <summary>Connects and waits until accepted; a second call, or one racing the first, is misuse.</summary>
    public PcclResult Connect()
    {
        lock (_lock)
        {
            if (_communicator is not null || _connecting || _destroyed)
            {
                return PcclResult.InvalidUsage;
            }

            _connecting = true;
        }

        Communicator? connected = null;
        try
        {
            connected = Communicator.ConnectAsync(options, loggers).GetAwaiter().GetResult();
        }
        catch (Exception e) when (e is not PcclException { Code: PcclErrorCode.InvalidArgument or PcclErrorCode.InvalidConfiguration })
        {
            // unreachable, refused, timed out or turned away: PCCL's callers retry on this code
            return PcclResult.MasterConnectionFailed;
        }
        finally
        {
            lock (_lock)
            {
                _connecting = false;
                if (!_destroyed && connected is not null)
                {
                    connected.MasterChanged += (_, e) => Volatile.Write(ref _master, e.NewMaster);
                    _communicator = connected;
                    connected = null;
                    ProcessPeers.Add(this);
                }
            }

            // destroyed while connecting (another thread): leave the run at once instead of keeping a peer nobody holds
            connected?.DisposeAsync().AsTask().GetAwaiter().GetResult();
        }

        return _destroyed ? PcclResult.InvalidArgument : PcclResult.Success;
    }

    /// <summary>Starts an async all-reduce under <paramref name="tag"/>; false when that tag is already running here.</summary>
    public bool TryStart(ulong tag, Func<Task<AllReduceInfo>> start)
    {
        lock (_lock)
        {
            if (!_asyncOps.TryAdd(tag, null))
            {
                return false;
            }
        }

        Task<AllReduceInfo> task;
        try
        {
            task = start();
        }
        catch (Exception e)
        {
            task = Task.FromException<AllReduceInfo>(e);
        }

        lock (_lock)
        {
            _asyncOps[tag] = task;
        }

        return true;
    }

    /// <summary>Takes the async all-reduce of <paramref name="tag"/> for awaiting; null when none was started (or it is already awaited).</summary>
    public Task<AllReduceInfo>? Take(ulong tag)
    {
        lock (_lock)
        {
            if (_asyncOps.TryGetValue(tag, out var task) && task is not null)
            {
                _asyncOps.Remove(tag);
                return task;
            }

            return null;
        }
    }

    /// <summary>Leaves the run gracefully; operations still running on other threads fail.</summary>
    public void Destroy()
    {
        Communicator? communicator;
        lock (_lock)
        {
            _destroyed = true;
            communicator = _communicator;
            _communicator = null;
        }

        ProcessPeers.Remove(this);

        communicator?.DisposeAsync().AsTask().GetAwaiter().GetResult();
    }
}
