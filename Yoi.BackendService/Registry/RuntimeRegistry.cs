using Yoi.EventLog.Storage;
using System.Collections.Concurrent;
using Yoi.EventLog;
using Yoi.Protocol.Api;
using Yoi.Runtime.Streams;

namespace Yoi.BackendService.Registry;

/// <summary>One configured runtime: its command source and its (internal) stream keys.</summary>
public sealed record RuntimeEntry(string Id, IRuntimeSource Source, StreamKeys Keys);

/// <summary>
/// The runtimes of <c>Backend:Runtimes</c>, by id. Availability is a cached probe of the runtime's info, so listing
/// runtimes does not call every runtime on every request. Nothing here that reaches a client names a URL or key.
/// </summary>
public sealed class RuntimeRegistry(IReadOnlyList<RuntimeEntry> runtimes, IEventLog log, TimeProvider time) : IAsyncDisposable
{
    private static readonly TimeSpan ProbeTtl = TimeSpan.FromSeconds(2);
    private readonly Dictionary<string, RuntimeEntry> _byId = runtimes.ToDictionary(r => r.Id, StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, (RuntimeInfo Info, long At)> _probes = new(StringComparer.Ordinal);

    public IReadOnlyList<RuntimeEntry> Runtimes { get; } = runtimes;

    public bool TryGet(string runtimeId, out RuntimeEntry entry) => _byId.TryGetValue(runtimeId, out entry!);

    /// <summary>The runtime's info with <c>available</c> from a probe at most two seconds old.</summary>
    public async Task<RuntimeInfo> DescribeAsync(RuntimeEntry entry, CancellationToken cancellationToken)
    {
        if (_probes.TryGetValue(entry.Id, out var cached) && time.GetElapsedTime(cached.At) < ProbeTtl) return cached.Info;
        var now = time.GetTimestamp();
        var info = await ProbeAsync(entry, cancellationToken);
        _probes[entry.Id] = (info, now);
        return info;
    }

    /// <summary>Asks the runtime now, bypassing the cache (the availability monitor).</summary>
    public async Task<RuntimeInfo> ProbeAsync(RuntimeEntry entry, CancellationToken cancellationToken)
    {
        RuntimeInfo info;
        try
        {
            var reported = await entry.Source.GetInfoAsync(cancellationToken);
            info = new RuntimeInfo(entry.Id, reported.Version, reported.Capabilities, reported.Workers, true, entry.Source.Kind);
        }
        catch (RuntimeSourceException)
        {
            info = new RuntimeInfo(entry.Id, "", [], new WorkerCounts(0, 0, 0, 0), false, entry.Source.Kind);
        }
        return info;
    }

    /// <summary>
    /// Whether the worker exists: the runtime's own answer; when the runtime cannot answer (unreachable, timeout),
    /// whether its event stream exists, so observation keeps working while a runtime restarts.
    /// </summary>
    public async Task<bool> WorkerExistsAsync(RuntimeEntry entry, string workerId, CancellationToken cancellationToken)
    {
        try
        {
            await entry.Source.GetWorkerAsync(workerId, cancellationToken);
            return true;
        }
        catch (RuntimeSourceException ex) when (ex.Code == ApiErrorCodes.WorkerNotFound)
        {
            return false;
        }
        catch (RuntimeSourceException)
        {
            return await log.GetMetadataAsync(entry.Keys.WorkerEvents(workerId), cancellationToken) is not null;
        }
    }

    /// <summary>Stops embedded runtimes (their runs in flight end as interrupted, queued events are flushed).</summary>
    public async ValueTask DisposeAsync()
    {
        foreach (var runtime in Runtimes)
        {
            if (runtime.Source is IAsyncDisposable disposable) await disposable.DisposeAsync();
        }
    }
}
