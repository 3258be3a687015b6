using System.Diagnostics;
using System.Text.Json;
using Yoi.EventLog;
using Yoi.EventLog.Memory;
using Yoi.Protocol.Api;
using Yoi.Protocol.Events;
using Yoi.Runtime;
using Yoi.EventLog.Storage;
using Yoi.Runtime.Streams;
using Yoi.Runtime.Workers;
using Yoi.Tests.Telemetry;
using static Yoi.Tests.Runtime.RuntimeTestSupport;

namespace Yoi.Tests.Runtime;

/// <summary>The runtime-wide lifecycle stream, stored trace context, embedded hosting and registry recovery.</summary>
public sealed class RuntimeStreamTests
{
    [Fact]
    public void A_runtime_stream_payload_is_the_event_plus_worker_id_and_still_reads_as_the_same_event()
    {
        var original = new RunEndEvent("r-1", RunResults.Finished);
        var payload = RuntimeStreamPayload.WithWorkerId(WorkerEventJson.SerializeToUtf8Bytes(original), "w-abc");
        using var document = JsonDocument.Parse(payload);
        Assert.Equal("w-abc", document.RootElement.GetProperty("worker_id").GetString());
        Assert.Equal("run_end", document.RootElement.GetProperty("event").GetString());
        Assert.Equal(original, WorkerEventJson.Deserialize(payload));
        Assert.Throws<ArgumentException>(() => RuntimeStreamPayload.WithWorkerId(payload, "bad\"id"));
        Assert.Equal("w-abc", RuntimeStreamPayload.ReadWorkerId(payload));
        Assert.Null(RuntimeStreamPayload.ReadWorkerId(WorkerEventJson.SerializeToUtf8Bytes(original)));
        Assert.Null(RuntimeStreamPayload.ReadWorkerId("""{"event":"x","worker_id":"a:b"}"""u8));
        Assert.Null(RuntimeStreamPayload.ReadWorkerId("not json"u8));
    }

    [Fact]
    public async Task Lifecycle_events_also_go_to_the_runtime_stream_with_the_worker_id()
    {
        await using var runtime = InMemory(out var log);
        var worker = await runtime.CreateWorkerAsync(new CreateWorkerRequest(), Ct);
        var run = await runtime.SendInputAsync(worker.WorkerId, "hi", Ct);
        await WaitIdleAsync(runtime, worker.WorkerId);
        await runtime.StopAsync(worker.WorkerId, Ct);
        await runtime.FlushAsync();

        var entries = await ReadAllAsync(log, runtime.Keys.RuntimeEvents);
        var events = entries.Select(e => WorkerEventJson.Deserialize(e.Payload.Span)).ToList();
        Assert.Equal(["worker_created", "status", "run_start", "status", "run_end", "status", "worker_stopped", "status"], Kinds(events));
        Assert.Contains(new RunEndEvent(run.RunId!, RunResults.Finished), events);
        Assert.All(entries, e => Assert.Equal(worker.WorkerId, JsonDocument.Parse(e.Payload).RootElement.GetProperty("worker_id").GetString()));
    }

    [Fact]
    public async Task Stored_events_carry_the_trace_of_the_command_span()
    {
        using var listener = new SpanRecorder(s => s.Name.StartsWith("Yoi.", StringComparison.Ordinal));
        await using var runtime = InMemory(out var log);
        var worker = await runtime.CreateWorkerAsync(new CreateWorkerRequest(), Ct);
        ActivityTraceId traceId;
        using (var command = new Activity("http command").SetIdFormat(ActivityIdFormat.W3C).Start())
        {
            traceId = command.TraceId;
            await runtime.SendInputAsync(worker.WorkerId, "trace me", Ct);
        }
        await WaitIdleAsync(runtime, worker.WorkerId);

        var entries = await ReadAllAsync(log, runtime.Keys.WorkerEvents(worker.WorkerId));
        var runEntries = entries.SkipWhile(e => WorkerEventJson.PeekKind(e.Payload.Span) != "user_message").ToList();
        Assert.NotEmpty(runEntries);
        Assert.All(runEntries, e => Assert.StartsWith($"00-{traceId}-", e.TraceParent));
        var created = entries[0];
        Assert.DoesNotContain(traceId.ToString(), created.TraceParent ?? "");
    }

    [Fact]
    public async Task An_embedded_runtime_shares_the_host_event_log()
    {
        var log = new InMemoryEventLog();
        var store = new InMemorySnapshotStore();
        await using var a = WorkerRuntime.CreateEmbedded("rt-a", log, store, Microsoft.Extensions.Logging.Abstractions.NullLoggerFactory.Instance,
            new RuntimeOptions { Scripted = new ScriptedOptions { DeltaDelayMs = 0 } });
        await using var b = WorkerRuntime.CreateEmbedded("rt-b", log, store, Microsoft.Extensions.Logging.Abstractions.NullLoggerFactory.Instance);
        IWorkerRuntime seam = a;
        var worker = await seam.CreateWorkerAsync(new CreateWorkerRequest(), Ct);
        await seam.SendInputAsync(worker.WorkerId, "hello", Ct);
        await WaitIdleAsync(a, worker.WorkerId);

        Assert.Equal("rt-a", seam.GetInfo().RuntimeId);
        Assert.Empty(b.ListWorkers());
        Assert.Equal("yoi:{rt-a}:w:" + worker.WorkerId + ":events", a.Keys.WorkerEvents(worker.WorkerId));
        var events = await ReadEventsAsync(log, a.Keys.WorkerEvents(worker.WorkerId));
        Assert.Contains(events, e => e is RunEndEvent { Result: RunResults.Finished });
        Assert.NotNull(await store.LoadAsync(a.Keys.WorkerState(worker.WorkerId), Ct));
    }

    [Fact]
    public async Task Start_closes_a_run_a_previous_process_left_in_flight_and_fixes_the_registry()
    {
        var log = new InMemoryEventLog();
        var store = new InMemorySnapshotStore();
        var registry = new InMemoryWorkerRegistry();
        var options = Options();
        var keys = new StreamKeys(options.KeyPrefix, options.Id);
        var created = DateTimeOffset.UtcNow;
        await registry.SaveAsync(new WorkerRecord("w-cut", WorkerStatuses.Running, "scripted", created, "r-cut"), Ct);
        foreach (var e in new WorkerEvent[]
        {
            new WorkerCreatedEvent("w-cut", "scripted", created), new StatusEvent("idle"), new UserMessageEvent("long 100"),
            new RunStartEvent("r-cut"), new StatusEvent("running"), new TextDeltaEvent("word0"),
        })
            await log.AppendAsync(keys.WorkerEvents("w-cut"), WorkerEventJson.SerializeToUtf8Bytes(e), StreamRetention.Unbounded, Ct);

        await using var runtime = new WorkerRuntime(options, log, store, registry, Microsoft.Extensions.Logging.Abstractions.NullLoggerFactory.Instance);
        await runtime.StartAsync(Ct);
        await runtime.FlushAsync();

        var worker = Assert.Single(runtime.ListWorkers());
        Assert.Equal(("w-cut", "idle", (string?)null), (worker.WorkerId, worker.Status, worker.RunId));
        var events = await ReadEventsAsync(log, keys.WorkerEvents("w-cut"));
        Assert.Equal(["diagnostic", "run_end", "status"], Kinds(events.TakeLast(3)));
        Assert.Equal("run_interrupted", ((DiagnosticEvent)events[^3]).Code);
        Assert.Equal(new RunEndEvent("r-cut", RunResults.Failed), events[^2]);
        var record = Assert.Single(await registry.LoadAllAsync(Ct));
        Assert.Equal((WorkerStatuses.Idle, (string?)null), (record.Status, record.RunId));
        var transcript = await runtime.GetTranscriptAsync("w-cut", Ct);
        Assert.Empty(transcript.Snapshot.InFlight);
        Assert.Equal(RunResults.Failed, ((Yoi.Protocol.Transcripts.AssistantEntry)transcript.Snapshot.Transcript[^1]).Result);

        // The worker runs again normally.
        await runtime.SendInputAsync("w-cut", "again", Ct);
        await WaitIdleAsync(runtime, "w-cut");
    }
}
