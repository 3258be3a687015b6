using Yoi.Client;
using Yoi.Protocol.Envelopes;
using Yoi.Protocol.Events;
using Yoi.Tests.AppHost;
using Yoi.Tests.Telemetry;

namespace Yoi.Tests.EndToEnd;

/// <summary>
/// The whole topology as real processes (AppHost, redis-server, two runtimes, backend), driven the way a user does:
/// REST through the backend, observation over the backend's WebSocket, telemetry read from an OTLP receiver.
/// </summary>
public sealed class TraceAcrossTheHopTests
{
    [Fact]
    public async Task A_delivered_event_is_in_the_same_trace_as_the_runtime_command_that_produced_it_across_redis()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var receiver = await OtlpTraceReceiver.StartAsync();
        var dataDir = Directory.CreateTempSubdirectory("yoi-e2e-").FullName;
        await using var host = AppHostProcess.Start(["--backend-port", "0", "--data-dir", dataDir],
            new Dictionary<string, string?>
            {
                ["OTEL_EXPORTER_OTLP_ENDPOINT"] = receiver.Endpoint,
                ["OTEL_EXPORTER_OTLP_PROTOCOL"] = "http/protobuf",
                ["OTEL_BSP_SCHEDULE_DELAY"] = "200",
            });
        var backendUrl = await host.WaitReadyAsync(TimeSpan.FromSeconds(120));

        using var http = new HttpClient { BaseAddress = new Uri(backendUrl) };
        var client = new YoiClient(http);
        var worker = await client.CreateWorkerAsync("rt-1", cancellationToken: ct);

        var observer = client.ObserveWorker("rt-1", worker.WorkerId);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(TimeSpan.FromSeconds(60));

        var frames = new List<ObservationFrame>();
        string? runId = null;
        await foreach (var frame in observer.ReadAllAsync(timeout.Token))
        {
            frames.Add(frame);
            if (frame is SnapshotFrame && runId is null)
                runId = (await client.SendInputAsync("rt-1", worker.WorkerId, "what time is it? use the clock", ct)).RunId;
            if (frame is EventFrame { Payload: RunEndEvent end } && end.RunId == runId) break;
        }
        Assert.NotNull(runId);
        Assert.IsType<SnapshotFrame>(frames[0]);
        var events = frames.OfType<EventFrame>().ToList();
        Assert.Contains(events, e => e.Payload is ToolResultEvent);
        Assert.Equal(RunResults.Finished, events.Select(e => e.Payload).OfType<RunEndEvent>().Single().Result);
        Assert.All(events.Zip(events.Skip(1)), pair => Assert.True(pair.Second.Cursor > pair.First.Cursor));

        var command = await receiver.WaitForSpanAsync(
            s => s.ServiceName == "yoi-runtime" && s.Scope == "Microsoft.AspNetCore"
                 && s.Attributes.GetValueOrDefault("url.path") == $"/v1/workers/{worker.WorkerId}/input",
            TimeSpan.FromSeconds(30), "for the runtime's input command");
        Assert.Equal(2, command.Kind); // server
        Assert.Equal("rt-1", command.ServiceInstanceId);

        var producer = await receiver.WaitForSpanAsync(
            s => s.ServiceName == "yoi-runtime" && s.TraceId == command.TraceId && s.Kind == 4 // producer
                 && s.Attributes.GetValueOrDefault("messaging.system") == "redis",
            TimeSpan.FromSeconds(30), "for the append (producer) in the command's trace");

        var delivery = await receiver.WaitForSpanAsync(
            s => s.ServiceName == "yoi-backend" && s.Scope == "Yoi.Backend" && s.TraceId == command.TraceId
                 && s.Name.Contains("deliver", StringComparison.Ordinal),
            TimeSpan.FromSeconds(30), "for the backend's delivery in the command's trace");
        var consumer = await receiver.WaitForSpanAsync(
            s => s.ServiceName == "yoi-backend" && s.TraceId == command.TraceId && s.Kind == 5, // consumer
            TimeSpan.FromSeconds(30), "for the backend's read (consumer) in the command's trace");

        // The consumer span hangs off a producer span of the runtime (parent or link), across the Redis hop.
        var runtimeSpanIds = receiver.Spans.Where(s => s.ServiceName == "yoi-runtime" && s.TraceId == command.TraceId)
            .Select(s => s.SpanId).ToHashSet();
        Assert.True(consumer.ParentSpanId is { } parent && runtimeSpanIds.Contains(parent)
                    || consumer.Links.Any(l => runtimeSpanIds.Contains(l.SpanId)),
            "the backend's consumer span is neither parented nor linked to a runtime span");
        Assert.Equal(producer.TraceId, delivery.TraceId);
    }
}
