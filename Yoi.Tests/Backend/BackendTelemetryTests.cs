using System.Diagnostics;
using Yoi.BackendService.Observation;
using Yoi.EventLog;
using Yoi.Protocol.Envelopes;
using Yoi.Protocol.Events;
using Yoi.Tests.EventLog.Redis;
using Yoi.Tests.Telemetry;

namespace Yoi.Tests.Backend;

/// <summary>The receive span is parented to the producer's stored traceparent; the deliver span is its child.</summary>
public sealed class BackendTelemetryTests(RedisServerFixture redis)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Receive_span_continues_the_producers_trace_and_deliver_is_its_child()
    {
        using var recorder = new SpanRecorder(BackendTelemetry.Name, "test-producer");
        var stopped = recorder.Stopped;
        await using var runtime = await FakeRuntime.StartAsync();
        runtime.AddWorker("w1");
        var (host, prefix) = await BackendHost.StartWithRedisAsync(redis, runtime);
        await using var _ = host;
        using var ws = await host.ConnectAsync("api/runtimes/rt-1/workers/w1/events/ws");
        await ws.NextAsync<SnapshotFrame>();

        using var producerSource = new ActivitySource("test-producer");
        ActivityTraceId traceId;
        using (var producer = producerSource.StartActivity("append", ActivityKind.Producer)!)
        {
            traceId = producer.TraceId;
            await host.Log.AppendAsync(TestEvents.Keys(prefix).WorkerEvents("w1"), WorkerEventJson.SerializeToUtf8Bytes(new TextDeltaEvent("x")),
                StreamRetention.Unbounded, Ct);
        }
        await ws.NextAsync<EventFrame>();
        // The spans end just after the frame is queued: wait for them rather than guess how long that takes.
        await Eventually.TrueAsync(() => stopped.Any(a => a.DisplayName == "receive {prefix}{runtime_id}:w:{worker_id}:events" && a.TraceId == traceId),
            "the receive span to end");

        var receive = Assert.Single(stopped, a => a.DisplayName == "receive {prefix}{runtime_id}:w:{worker_id}:events" && a.TraceId == traceId);
        Assert.Equal(ActivityKind.Consumer, receive.Kind);
        Assert.Equal("redis", receive.GetTagItem("messaging.system"));
        Assert.Equal(("rt-1", "w1"), (receive.GetTagItem("yoi.runtime_id"), receive.GetTagItem("yoi.worker_id")));
        var deliver = Assert.Single(stopped, a => a.DisplayName == "deliver" && a.ParentSpanId == receive.SpanId);
        Assert.Equal(traceId, deliver.TraceId);
    }
}
