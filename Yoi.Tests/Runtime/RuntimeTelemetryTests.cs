using System.Collections.Concurrent;
using System.Diagnostics;
using Yoi.EventLog;
using Yoi.Protocol.Api;
using Yoi.Runtime;
using Yoi.Tests.Telemetry;
using static Yoi.Tests.Runtime.RuntimeTestSupport;

namespace Yoi.Tests.Runtime;

/// <summary>The spans of <c>Yoi.Runtime</c> as docs/telemetry.md describes them: command, run, append, send.</summary>
public sealed class RuntimeTelemetryTests
{
    [Fact]
    public async Task An_input_nests_worker_input_then_worker_run_then_append_events_then_send()
    {
        using var recorder = new SpanRecorder(RuntimeTelemetry.SourceName, EventLogTelemetry.SourceName, "test");
        var spans = recorder.Stopped;
        using var testSource = new ActivitySource("test");

        await using var runtime = InMemory(out _);
        var worker = await runtime.CreateWorkerAsync(new CreateWorkerRequest(), Ct);
        ActivityTraceId traceId;
        string runId;
        using (var root = testSource.StartActivity("request", ActivityKind.Server)!)
        {
            traceId = root.TraceId;
            runId = (await runtime.SendInputAsync(worker.WorkerId, "clock", Ct)).RunId!;
        }
        await WaitIdleAsync(runtime, worker.WorkerId);

        var trace = spans.Where(s => s.TraceId == traceId).ToList();
        var input = Assert.Single(trace, s => s.OperationName == "worker.input");
        Assert.Equal(ActivityKind.Internal, input.Kind);
        Assert.Equal(worker.WorkerId, input.GetTagItem("yoi.worker_id"));
        Assert.Equal(runId, input.GetTagItem("yoi.run_id"));

        var run = Assert.Single(trace, s => s.OperationName == "worker run");
        Assert.Equal((ActivityKind.Internal, input.SpanId), (run.Kind, run.ParentSpanId));
        Assert.Equal((worker.WorkerId, runId), (run.GetTagItem("yoi.worker_id"), run.GetTagItem("yoi.run_id")));

        var appends = trace.Where(s => s.OperationName == "append events").ToList();
        Assert.All(appends, a => Assert.Equal(ActivityKind.Internal, a.Kind));
        Assert.Contains(appends, a => a.ParentSpanId == input.SpanId);  // user_message, run_start, status{running}
        Assert.Contains(appends, a => a.ParentSpanId == run.SpanId);    // the provider's events, run_end, status{idle}
        Assert.All(appends, a => Assert.Contains(a.ParentSpanId, new[] { input.SpanId, run.SpanId }));

        var sends = trace.Where(s => s.OperationName.StartsWith("send ", StringComparison.Ordinal)).ToList();
        Assert.NotEmpty(sends);
        Assert.All(sends, s => Assert.Equal(ActivityKind.Producer, s.Kind));
        Assert.All(sends, s => Assert.Contains(appends, a => a.SpanId == s.ParentSpanId));
        // Named by destination template (one name for every worker), the concrete stream and ids as attributes.
        Assert.All(sends, s => Assert.Contains(s.OperationName,
            new[] { "send {prefix}{runtime_id}:w:{worker_id}:events", "send {prefix}{runtime_id}:events" }));
        var workerSend = sends.First(s => (string?)s.GetTagItem("messaging.destination.name") == runtime.Keys.WorkerEvents(worker.WorkerId));
        Assert.Equal("send {prefix}{runtime_id}:w:{worker_id}:events", workerSend.OperationName);
        Assert.Equal((runtime.Keys.RuntimeId, worker.WorkerId), (workerSend.GetTagItem("yoi.runtime_id"), workerSend.GetTagItem("yoi.worker_id")));
        var runtimeSend = sends.First(s => (string?)s.GetTagItem("messaging.destination.name") == runtime.Keys.RuntimeEvents);
        Assert.Equal("send {prefix}{runtime_id}:events", runtimeSend.OperationName);
        Assert.Equal(runtime.Keys.RuntimeId, runtimeSend.GetTagItem("yoi.runtime_id"));
        Assert.Null(runtimeSend.GetTagItem("yoi.worker_id"));
    }

    [Fact]
    public async Task Create_cancel_and_stop_are_worker_spans_tagged_with_the_worker_id()
    {
        using var recorder = new SpanRecorder(RuntimeTelemetry.SourceName);
        var spans = recorder.Stopped;

        await using var runtime = InMemory(out _, Options(deltaDelayMs: 20));
        var worker = await runtime.CreateWorkerAsync(new CreateWorkerRequest(), Ct);
        await runtime.SendInputAsync(worker.WorkerId, "long 1000", Ct);
        await runtime.CancelAsync(worker.WorkerId, Ct);
        await WaitIdleAsync(runtime, worker.WorkerId);
        await runtime.StopAsync(worker.WorkerId, Ct);

        var mine = spans.Where(s => Equals(s.GetTagItem("yoi.worker_id"), worker.WorkerId)).Select(s => s.OperationName).ToList();
        foreach (var name in new[] { "worker.create", "worker.input", "worker run", "worker.cancel", "worker.stop" })
            Assert.Contains(name, mine);
    }
}
