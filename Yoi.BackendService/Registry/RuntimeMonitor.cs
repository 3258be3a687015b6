using System.Collections.Concurrent;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Yoi.BackendService.Observation;
using Yoi.Protocol;

namespace Yoi.BackendService.Registry;

/// <summary>
/// Probes every configured runtime (<c>Backend:RuntimeProbeSeconds</c>) and tells the clients observing its streams
/// when it goes away and comes back: <c>diagnostic runtime_unavailable</c> / <c>runtime_available</c>, without
/// closing them (events stored meanwhile still arrive, in order). <c>/health</c> is <c>Degraded</c> while a runtime is
/// unavailable. A probe not answered within <see cref="ProbeDeadline"/> counts as unavailable: a proxy in front of the
/// runtime (the AppHost's, while it restarts a killed Runtime) may hold the call open rather than refuse it.
/// </summary>
public sealed partial class RuntimeMonitor(RuntimeRegistry registry, StreamTailReader tail, BackendOptions options, TimeProvider time,
    ILogger<RuntimeMonitor> logger) : BackgroundService, IHealthCheck
{
    private readonly ConcurrentDictionary<string, bool> _available = new(StringComparer.Ordinal);

    /// <summary>False once a probe found the runtime unavailable, until one finds it back.</summary>
    public bool IsAvailable(string runtimeId) => !_available.TryGetValue(runtimeId, out var available) || available;

    public static byte[] UnavailableFrame(string runtimeId) => FrameFactory.Diagnostic(DiagnosticCodes.RuntimeUnavailable, UnavailableMessage(runtimeId));

    public static string UnavailableMessage(string runtimeId) =>
        $"The runtime '{runtimeId}' is unavailable; stay connected: its events resume when it is back.";

    public static byte[] AvailableFrame(string runtimeId) => FrameFactory.Diagnostic(DiagnosticCodes.RuntimeAvailable,
        $"The runtime '{runtimeId}' is available again.");

    /// <summary>How long a probe may take: the probe interval, at least 2 s (a loaded machine answers slowly).</summary>
    public TimeSpan ProbeDeadline => TimeSpan.FromSeconds(Math.Max(2, options.RuntimeProbeSeconds));

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(options.RuntimeProbeSeconds), time);
        do
        {
            foreach (var runtime in registry.Runtimes)
            {
                bool available;
                using var deadline = new CancellationTokenSource(ProbeDeadline, time);
                using var probe = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken, deadline.Token);
                try
                {
                    available = (await registry.ProbeAsync(runtime, probe.Token)).Available == true;
                }
                catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
                {
                    return;
                }
                catch (OperationCanceledException)
                {
                    available = false; // no answer within the deadline
                }
                var was = _available.TryGetValue(runtime.Id, out var previous) ? previous : true;
                _available[runtime.Id] = available;
                if (was == available) continue;
                LogChanged(logger, runtime.Id, available ? "available" : "unavailable");
                tail.Notify(runtime.Id, available ? AvailableFrame(runtime.Id) : UnavailableFrame(runtime.Id));
            }
        } while (await NextTickAsync(timer, stoppingToken));
    }

    private static async Task<bool> NextTickAsync(PeriodicTimer timer, CancellationToken stoppingToken)
    {
        try
        {
            return await timer.WaitForNextTickAsync(stoppingToken);
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var down = _available.Where(a => !a.Value).Select(a => a.Key).Order(StringComparer.Ordinal).ToList();
        return Task.FromResult(down.Count == 0
            ? HealthCheckResult.Healthy()
            : HealthCheckResult.Degraded($"Runtimes unavailable: {string.Join(", ", down)}."));
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Runtime {RuntimeId} is {State}")]
    private static partial void LogChanged(ILogger logger, string runtimeId, string state);
}
