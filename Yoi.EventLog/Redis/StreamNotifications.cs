using StackExchange.Redis;

namespace Yoi.EventLog.Redis;

/// <summary>
/// Wake-ups for tail readers: the append script publishes on the stream's sharded channel (named like the stream
/// key, so it lives in the key's cluster slot), and every <see cref="StreamWatch"/> on that stream is signalled.
/// Subscriptions are shared by every watch of a stream and kept for a while after the last one ends, so a reader
/// that tails the same streams call after call subscribes once. One subscription connection per Redis node carries
/// them all, whatever the number of streams, readers or clients.
/// </summary>
internal sealed class StreamNotifications : IDisposable
{
    private static readonly TimeSpan Linger = TimeSpan.FromSeconds(30);

    private readonly ISubscriber _subscriber;
    private readonly Lock _gate = new();
    private readonly Dictionary<string, Subscription> _subscriptions = new(StringComparer.Ordinal);
    private readonly Timer _sweep;
    private volatile bool _disposed;

    public StreamNotifications(IConnectionMultiplexer redis)
    {
        _subscriber = redis.GetSubscriber();
        // Appends made while a connection was down published to nobody: let every waiting reader look again.
        redis.ConnectionRestored += (_, _) => SignalAll();
        _sweep = new Timer(_ => Sweep(), null, Linger, Linger);
    }

    /// <summary>A watch over the streams, signalled on every append to any of them; subscribed when this returns.</summary>
    public async Task<StreamWatch> WatchAsync(IReadOnlyList<string> streams, CancellationToken cancellationToken)
    {
        var watch = new StreamWatch(this, streams);
        var pending = new List<Task>(0);
        lock (_gate)
        {
            foreach (var stream in streams)
            {
                if (!_subscriptions.TryGetValue(stream, out var subscription))
                {
                    subscription = new Subscription(stream);
                    _subscriptions.Add(stream, subscription);
                    subscription.Subscribed = _subscriber.SubscribeAsync(RedisChannel.Sharded(stream), subscription.OnMessage);
                }
                lock (subscription.Watches) subscription.Watches.Add(watch);
                if (!subscription.Subscribed.IsCompletedSuccessfully) pending.Add(subscription.Subscribed);
            }
        }
        try
        {
            if (pending.Count > 0) await Task.WhenAll(pending).WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            watch.Dispose();
            lock (_gate)
            {
                // A failed subscription is dropped so the next watch tries again.
                foreach (var stream in streams)
                    if (_subscriptions.TryGetValue(stream, out var s) && s.Subscribed.IsFaulted && s.IsIdle) _subscriptions.Remove(stream);
            }
            throw;
        }
        return watch;
    }

    internal void Release(StreamWatch watch)
    {
        lock (_gate)
        {
            foreach (var stream in watch.Streams)
            {
                if (!_subscriptions.TryGetValue(stream, out var subscription)) continue;
                lock (subscription.Watches)
                {
                    subscription.Watches.Remove(watch);
                    if (subscription.Watches.Count == 0) subscription.IdleSince = Environment.TickCount64;
                }
            }
        }
    }

    private void SignalAll()
    {
        List<StreamWatch> watches;
        lock (_gate)
        {
            var all = new HashSet<StreamWatch>();
            foreach (var subscription in _subscriptions.Values)
                lock (subscription.Watches) all.UnionWith(subscription.Watches);
            watches = [.. all];
        }
        foreach (var watch in watches) watch.Signal();
    }

    private void Sweep()
    {
        if (_disposed) return;
        var now = Environment.TickCount64;
        List<Subscription>? idle = null;
        lock (_gate)
        {
            foreach (var subscription in _subscriptions.Values)
                if (subscription.IsIdle && now - subscription.IdleSince >= Linger.TotalMilliseconds)
                    (idle ??= []).Add(subscription);
            if (idle is null) return;
            foreach (var subscription in idle) _subscriptions.Remove(subscription.Stream);
        }
        foreach (var subscription in idle)
        {
            try
            {
                _ = _subscriber.UnsubscribeAsync(RedisChannel.Sharded(subscription.Stream), subscription.OnMessage, CommandFlags.FireAndForget);
            }
            catch (ObjectDisposedException)
            {
                return; // the multiplexer is gone: so are its subscriptions
            }
        }
    }

    public void Dispose()
    {
        _disposed = true;
        _sweep.Dispose();
    }

    private sealed class Subscription(string stream)
    {
        public string Stream { get; } = stream;
        public HashSet<StreamWatch> Watches { get; } = [];
        public Task Subscribed { get; set; } = Task.CompletedTask;
        public long IdleSince { get; set; }

        public bool IsIdle
        {
            get { lock (Watches) return Watches.Count == 0; }
        }

        public void OnMessage(RedisChannel channel, RedisValue message)
        {
            StreamWatch[] watches;
            lock (Watches) watches = [.. Watches];
            foreach (var watch in watches) watch.Signal();
        }
    }
}

/// <summary>One tail read's interest in some streams: a version that every notification on them increments.</summary>
internal sealed class StreamWatch(StreamNotifications owner, IReadOnlyList<string> streams) : IDisposable
{
    private readonly Lock _gate = new();
    private long _version;
    private TaskCompletionSource? _waiter;

    public IReadOnlyList<string> Streams { get; } = streams;

    public long Version
    {
        get { lock (_gate) return _version; }
    }

    public void Signal()
    {
        TaskCompletionSource? waiter;
        lock (_gate)
        {
            _version++;
            waiter = _waiter;
            _waiter = null;
        }
        waiter?.TrySetResult();
    }

    /// <summary>True once the version moved past <paramref name="seen"/>; false when <paramref name="timeout"/> passed first.</summary>
    public async Task<bool> WaitAsync(long seen, TimeSpan timeout, TimeProvider time, CancellationToken cancellationToken)
    {
        TaskCompletionSource waiter;
        lock (_gate)
        {
            if (_version != seen) return true;
            waiter = _waiter ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        }
        try
        {
            await waiter.Task.WaitAsync(timeout, time, cancellationToken).ConfigureAwait(false);
            return true;
        }
        catch (TimeoutException)
        {
            return false;
        }
    }

    public void Dispose() => owner.Release(this);
}
