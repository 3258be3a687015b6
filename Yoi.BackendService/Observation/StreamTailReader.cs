using Yoi.BackendService.Registry;
using Yoi.EventLog;
using Yoi.Protocol.Cursors;

namespace Yoi.BackendService.Observation;

/// <summary>
/// The one reader of the event log per Backend process: a loop of <see cref="IEventLog.TailAsync"/> over every
/// stream that has subscribers, each from the last entry it published. When the set of streams changes the
/// in-flight tail is cancelled (the Redis engine unblocks its connection) and re-issued. So the Backend's log
/// connections and reads grow with the number of observed streams' batches, never with the number of clients.
/// </summary>
public sealed partial class StreamTailReader(IEventLog log, BackendOptions options, ILogger<StreamTailReader> logger) : BackgroundService
{
    /// <summary>Entries per stream per read: never more than a client queue holds, so one read cannot overflow a keeping-up client.</summary>
    private readonly int _maxPerStream = Math.Min(512, options.Observation.ClientQueueCapacity);
    private static readonly TimeSpan Block = TimeSpan.FromSeconds(5);

    private readonly Lock _gate = new();
    private readonly Dictionary<string, StreamHub> _hubs = new(StringComparer.Ordinal);
    private CancellationTokenSource _changed = new();

    /// <summary>Streams with at least one subscriber.</summary>
    public int ObservedStreams
    {
        get { lock (_gate) return _hubs.Count; }
    }

    /// <summary>
    /// Adds the subscriber to the stream's hub (creating it at the stream's current end) and returns once the hub
    /// is being tailed: every entry appended after this returns reaches the subscriber.
    /// </summary>
    public async Task<StreamHub> SubscribeAsync(string stream, string runtimeId, string? workerId, ObservationSubscriber subscriber,
        CancellationToken cancellationToken)
    {
        StreamHub hub;
        bool created;
        lock (_gate)
        {
            created = !_hubs.TryGetValue(stream, out hub!);
            if (created)
            {
                hub = new StreamHub(stream, runtimeId, workerId);
                _hubs.Add(stream, hub);
            }
            hub.Add(subscriber);
        }
        if (created)
        {
            try
            {
                var metadata = await log.GetMetadataAsync(stream, cancellationToken);
                hub.Start(metadata?.LastGeneratedId ?? StreamCursor.Zero);
                SignalChange();
            }
            catch (Exception ex)
            {
                hub.Fail(ex);
                lock (_gate)
                {
                    if (_hubs.TryGetValue(stream, out var current) && current == hub) _hubs.Remove(stream);
                }
            }
        }
        try
        {
            await hub.Ready.WaitAsync(cancellationToken);
        }
        catch
        {
            Unsubscribe(hub, subscriber);
            throw;
        }
        return hub;
    }

    /// <summary>Sends a notice (a diagnostic frame) to every client observing one of the runtime's streams.</summary>
    public void Notify(string runtimeId, ReadOnlyMemory<byte> frame)
    {
        StreamHub[] hubs;
        lock (_gate) hubs = [.. _hubs.Values.Where(h => h.RuntimeId == runtimeId)];
        foreach (var hub in hubs) hub.Notify(frame);
    }

    public void Unsubscribe(StreamHub hub, ObservationSubscriber subscriber)
    {
        var removed = false;
        lock (_gate)
        {
            hub.Remove(subscriber);
            if (hub.Count == 0 && _hubs.TryGetValue(hub.Stream, out var current) && current == hub)
            {
                _hubs.Remove(hub.Stream);
                removed = true;
            }
        }
        if (removed) SignalChange();
    }

    private void SignalChange()
    {
        CancellationTokenSource changed;
        lock (_gate) changed = _changed;
        changed.Cancel();
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await Task.Yield();
        while (!stoppingToken.IsCancellationRequested)
        {
            CancellationTokenSource changed;
            StreamPosition[] positions;
            Dictionary<string, StreamHub> hubs;
            lock (_gate)
            {
                if (_changed.IsCancellationRequested) _changed = new CancellationTokenSource();
                changed = _changed;
                hubs = _hubs.Values.Where(h => h.IsReady && h.Count > 0).ToDictionary(h => h.Stream, StringComparer.Ordinal);
                positions = hubs.Values.Select(h => new StreamPosition(h.Stream, h.Position)).ToArray();
            }
            using var linked = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken, changed.Token);
            if (positions.Length == 0)
            {
                try
                {
                    await Task.Delay(Timeout.Infinite, linked.Token);
                }
                catch (OperationCanceledException) { }
                continue;
            }
            IReadOnlyList<StreamBatch> batches;
            try
            {
                batches = await log.TailAsync(positions, _maxPerStream, Block, linked.Token);
            }
            catch (OperationCanceledException) when (!stoppingToken.IsCancellationRequested)
            {
                continue;
            }
            catch (OperationCanceledException)
            {
                break;
            }
            catch (Exception ex)
            {
                LogTailFailed(ex);
                try
                {
                    await Task.Delay(500, stoppingToken);
                }
                catch (OperationCanceledException) { break; }
                continue;
            }
            foreach (var batch in batches)
            {
                if (!hubs.TryGetValue(batch.Stream, out var hub)) continue;
                try
                {
                    if (batch.Gap) LogGap(hub.Label);
                    hub.Publish(batch.Entries, batch.Gap);
                }
                catch (Exception ex)
                {
                    LogPublishFailed(ex, hub.Label);
                }
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Reading the event log failed; retrying")]
    private partial void LogTailFailed(Exception exception);

    [LoggerMessage(Level = LogLevel.Warning,
        Message = "Entries of {Stream} were trimmed by retention before they could be read; its clients start again from a snapshot")]
    private partial void LogGap(string stream);

    [LoggerMessage(Level = LogLevel.Error, Message = "Publishing entries of {Stream} failed")]
    private partial void LogPublishFailed(Exception exception, string stream);
}
