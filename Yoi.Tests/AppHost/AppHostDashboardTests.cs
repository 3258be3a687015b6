using System.Text.RegularExpressions;
using Yoi.Client;
using Yoi.Protocol.Envelopes;
using Yoi.Protocol.Events;
using Yoi.Tests.Processes;

namespace Yoi.Tests.AppHost;

/// <summary>
/// The real AppHost, as `dotnet run --project Yoi.AppHost` runs it, seen from outside: its two console lines, its
/// processes, and what its Aspire dashboard shows of a run driven through the Backend.
/// </summary>
[Collection(AppHostCollection.Name)]
public sealed partial class AppHostDashboardTests(SharedAppHost shared)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Once_healthy_it_announces_the_backend_and_the_dashboard_and_runs_each_service_on_the_given_redis_from_its_own_folder()
    {
        Assert.Matches(BackendLine(), shared.Host.Output);
        Assert.Matches(@"^http://127\.0\.0\.1:\d+$", shared.BackendUrl);
        using var http = new HttpClient();
        using (var dashboard = await http.GetAsync(shared.DashboardUrl, Ct)) Assert.True(dashboard.IsSuccessStatusCode);
        using (var health = await http.GetAsync(shared.BackendUrl + "/health", Ct)) Assert.True(health.IsSuccessStatusCode);

        // DCP runs two runtimes and the Backend on the Redis given with --redis (no redis-server of its own).
        var commands = shared.Host.Orchestrated().Select(pid => string.Join(' ', ProcessTree.CommandLine(pid))).ToList();
        Assert.DoesNotContain(commands, c => c.Contains("redis-server", StringComparison.Ordinal));
        Assert.Equal(2, commands.Count(c => c.EndsWith("/Yoi.RuntimeService", StringComparison.Ordinal)));
        Assert.Single(commands, c => c.EndsWith("/Yoi.BackendService", StringComparison.Ordinal));
        using var backend = new HttpClient { BaseAddress = new Uri(shared.BackendUrl) };
        var worker = await new YoiClient(backend).CreateWorkerAsync("rt-2", cancellationToken: Ct);
        var registry = await shared.Redis.Multiplexer.GetDatabase().HashGetAllAsync("yoi:{rt-2}:workers");
        Assert.Contains(worker.WorkerId, registry.Select(e => (string?)e.Name));

        using var telemetry = new DashboardTelemetry(shared.DashboardUrl);
        var resources = await Eventually.ValueAsync(() => telemetry.ResourcesAsync(Ct),
            r => new[] { "backend", "rt-1", "rt-2" }.All(name => r.Any(x => x.Name == name && x.HasLogs)), "logs of every service",
            DashboardTelemetry.Within, DashboardTelemetry.Poll);
        Assert.Equal(["backend", "rt-1", "rt-2"], resources.Select(r => r.Name).Order());
        // Each service runs with its own content root, so its own appsettings.json applies.
        foreach (var (resource, project) in new[] { ("backend", "Yoi.BackendService"), ("rt-1", "Yoi.RuntimeService") })
        {
            var logs = await telemetry.LogsAsync(resource, Ct);
            Assert.Contains(logs, l => l.Body.StartsWith("Content root path: ", StringComparison.Ordinal)
                                       && l.Body.TrimEnd('/').EndsWith("/" + project, StringComparison.Ordinal));
        }
    }

    [Fact]
    public async Task A_run_observed_over_the_websocket_is_one_trace_across_both_services_in_the_dashboard_with_their_logs_and_metrics()
    {
        using var http = new HttpClient { BaseAddress = new Uri(shared.BackendUrl) };
        var client = new YoiClient(http);
        var worker = await client.CreateWorkerAsync("rt-1", cancellationToken: Ct);
        var observer = client.ObserveWorker("rt-1", worker.WorkerId);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        timeout.CancelAfter(TimeSpan.FromSeconds(60));
        string? runId = null;
        var events = new List<WorkerEvent>();
        await foreach (var frame in observer.ReadAllAsync(timeout.Token))
        {
            if (frame is SnapshotFrame && runId is null)
                runId = (await client.SendInputAsync("rt-1", worker.WorkerId, "what time is it? use the clock", Ct)).RunId;
            if (frame is EventFrame e) events.Add(e.Payload);
            if (frame is EventFrame { Payload: RunEndEvent end } && end.RunId == runId) break;
        }
        Assert.Contains(events, e => e is ToolResultEvent);

        using var telemetry = new DashboardTelemetry(shared.DashboardUrl);
        var inputPath = $"/v1/workers/{worker.WorkerId}/input";
        var command = (await Eventually.ValueAsync(() => telemetry.SpansAsync("resource=rt-1", Ct),
            spans => spans.Any(s => s.Attributes.GetValueOrDefault("url.path") == inputPath), "the runtime's input command",
            DashboardTelemetry.Within, DashboardTelemetry.Poll))
            .Single(s => s.Attributes.GetValueOrDefault("url.path") == inputPath);
        Assert.Equal(("rt-1", "POST /v1/workers/{id}/input", 2), (command.Service, command.Name, command.Kind)); // server

        // The command, the append (producer) and the Backend's receive and delivery, one trace from both services.
        var trace = await Eventually.ValueAsync(() => telemetry.SpansAsync($"traceId={command.TraceId}", Ct),
            spans => spans.Any(s => s.Service == "backend" && s.Name == "deliver"), "the Backend's delivery in the command's trace",
            DashboardTelemetry.Within, DashboardTelemetry.Poll);
        var send = trace.First(s => s.Service == "rt-1" && s.Kind == 4 // producer
                                    && s.Attributes.GetValueOrDefault("yoi.worker_id") == worker.WorkerId);
        Assert.Equal("send {prefix}{runtime_id}:w:{worker_id}:events", send.Name);
        var receive = trace.First(s => s.Service == "backend" && s.Kind == 5); // consumer
        Assert.Equal("receive {prefix}{runtime_id}:w:{worker_id}:events", receive.Name);
        Assert.Equal(worker.WorkerId, receive.Attributes.GetValueOrDefault("yoi.worker_id"));
        var runtimeSpans = trace.Where(s => s.Service == "rt-1").Select(s => s.SpanId).ToHashSet();
        Assert.True(receive.ParentSpanId is { } parent && runtimeSpans.Contains(parent) || receive.LinkedSpanIds.Any(runtimeSpans.Contains),
            "the Backend's receive span is neither parented nor linked to a runtime span");
        Assert.Contains(trace, s => s.Service == "backend" && s.Name == "deliver" && s.ParentSpanId == receive.SpanId);
        // Low-cardinality names: the concrete ids only as attributes.
        Assert.DoesNotContain(trace, s => s.Name.Contains(worker.WorkerId, StringComparison.Ordinal));

        // Both services' logs, one of them in this trace; the health probes the AppHost keeps sending are not traced.
        var runtimeLogs = await Eventually.ValueAsync(() => telemetry.LogsAsync("rt-1", Ct),
            logs => logs.Any(l => l.Body.Contains(worker.WorkerId, StringComparison.Ordinal)), "the runtime's log of the worker",
            DashboardTelemetry.Within, DashboardTelemetry.Poll);
        Assert.Contains(runtimeLogs, l => l.Body == $"Worker {worker.WorkerId} created (provider scripted)");
        Assert.NotEmpty(await telemetry.LogsAsync("backend", Ct));
        Assert.DoesNotContain(await telemetry.SpansAsync("resource=rt-1", Ct), s => s.Attributes.GetValueOrDefault("url.path") is "/health" or "/alive");

        // Metrics from both services (the Backend's include the observation meter; the API lists which resources have them).
        await Eventually.ValueAsync(() => telemetry.ResourcesAsync(Ct),
            r => r.Any(x => x.Name == "backend" && x.HasMetrics) && r.Any(x => x.Name == "rt-1" && x.HasMetrics), "metrics of both services",
            DashboardTelemetry.Within, DashboardTelemetry.Poll);
    }

    [GeneratedRegex(@"(?m)^Backend ready: http://127\.0\.0\.1:\d+\r?\nDashboard: http://127\.0\.0\.1:\d+\r?$")]
    private static partial Regex BackendLine();
}
