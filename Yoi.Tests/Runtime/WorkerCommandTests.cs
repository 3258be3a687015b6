using Yoi.Protocol;
using Yoi.Protocol.Api;
using Yoi.Protocol.Events;
using Yoi.Runtime.Workers;
using static Yoi.Tests.Runtime.RuntimeTestSupport;

namespace Yoi.Tests.Runtime;

/// <summary>Input, cancel and stop against the state machine idle / running / stopped.</summary>
public sealed class WorkerCommandTests
{
    [Fact]
    public async Task Input_during_a_run_is_already_running_and_changes_nothing()
    {
        await using var runtime = InMemory(out var log, Options(deltaDelayMs: 5));
        var worker = await runtime.CreateWorkerAsync(new CreateWorkerRequest(), Ct);
        var first = await runtime.SendInputAsync(worker.WorkerId, "long 200", Ct);
        var error = await Assert.ThrowsAsync<WorkerCommandException>(() => runtime.SendInputAsync(worker.WorkerId, "again", Ct).AsTask());
        Assert.Equal(ApiErrorCodes.AlreadyRunning, error.Code);
        Assert.Equal(first.RunId, runtime.GetWorker(worker.WorkerId).RunId);
        await runtime.CancelAsync(worker.WorkerId, Ct);
        await WaitIdleAsync(runtime, worker.WorkerId);
        var events = await ReadEventsAsync(log, runtime.Keys.WorkerEvents(worker.WorkerId));
        Assert.Single(events.OfType<UserMessageEvent>());
    }

    [Fact]
    public async Task Cancel_ends_the_run_promptly_with_run_end_cancelled_then_idle()
    {
        await using var runtime = InMemory(out var log, Options(deltaDelayMs: 50));
        var worker = await runtime.CreateWorkerAsync(new CreateWorkerRequest(), Ct);
        var run = await runtime.SendInputAsync(worker.WorkerId, "long 10000", Ct);
        await WaitForEventsAsync(log, runtime.Keys.WorkerEvents(worker.WorkerId), e => e.Any(x => x is TextDeltaEvent)); // streaming
        var started = DateTime.UtcNow;
        var accepted = await runtime.CancelAsync(worker.WorkerId, Ct);
        Assert.Equal(run.RunId, accepted.RunId);
        await WaitIdleAsync(runtime, worker.WorkerId);
        Assert.True(DateTime.UtcNow - started < TimeSpan.FromSeconds(2));

        var events = await ReadEventsAsync(log, runtime.Keys.WorkerEvents(worker.WorkerId));
        Assert.Equal(new RunEndEvent(run.RunId!, RunResults.Cancelled), events[^2]);
        Assert.Equal(new StatusEvent(WorkerStatuses.Idle), events[^1]);
        Assert.Equal("idle", runtime.GetWorker(worker.WorkerId).Status);
    }

    [Fact]
    public async Task Cancel_mid_turn_ends_the_turn_cancelled_then_the_run_cancelled()
    {
        await using var runtime = InMemory(out var log, Options(deltaDelayMs: 20));
        var worker = await runtime.CreateWorkerAsync(new CreateWorkerRequest(), Ct);
        var run = await runtime.SendInputAsync(worker.WorkerId, "long 10000", Ct);
        await WaitForEventsAsync(log, runtime.Keys.WorkerEvents(worker.WorkerId), e => e.Any(x => x is TextDeltaEvent));
        await runtime.CancelAsync(worker.WorkerId, Ct);
        await WaitIdleAsync(runtime, worker.WorkerId);

        var events = await ReadEventsAsync(log, runtime.Keys.WorkerEvents(worker.WorkerId));
        var tail = events.TakeLast(4).ToList();
        Assert.IsType<TextDeltaEvent>(tail[0]);
        Assert.Equal(
            [new TurnEndEvent(1, TurnResults.Cancelled), new RunEndEvent(run.RunId!, RunResults.Cancelled), new StatusEvent(WorkerStatuses.Idle)],
            tail.Skip(1));
        Assert.Equal([new TurnStartEvent(1), new TurnEndEvent(1, TurnResults.Cancelled)], events.Where(e => e is TurnStartEvent or TurnEndEvent));
    }

    [Fact]
    public async Task Shutdown_mid_turn_ends_the_turn_failed_then_run_interrupted_and_run_end_failed()
    {
        var runtime = InMemory(out var log, Options(deltaDelayMs: 20));
        string stream, runId;
        await using (runtime)
        {
            var worker = await runtime.CreateWorkerAsync(new CreateWorkerRequest(), Ct);
            runId = (await runtime.SendInputAsync(worker.WorkerId, "long 10000", Ct)).RunId!;
            stream = runtime.Keys.WorkerEvents(worker.WorkerId);
            await WaitForEventsAsync(log, stream, e => e.Any(x => x is TextDeltaEvent));
        }

        var events = await ReadEventsAsync(log, stream);
        var end = events.FindIndex(e => e is TurnEndEvent);
        Assert.IsType<TextDeltaEvent>(events[end - 1]);
        Assert.Equal(new TurnEndEvent(1, TurnResults.Failed), events[end]);
        Assert.Equal(DiagnosticCodes.RunInterrupted, Assert.IsType<DiagnosticEvent>(events[end + 1]).Code);
        Assert.Equal(new RunEndEvent(runId, RunResults.Failed), events[end + 2]);
        Assert.Single(events.OfType<TurnEndEvent>());
    }

    [Fact]
    public async Task Cancel_when_idle_is_not_running()
    {
        await using var runtime = InMemory(out _);
        var worker = await runtime.CreateWorkerAsync(new CreateWorkerRequest(), Ct);
        var error = await Assert.ThrowsAsync<WorkerCommandException>(() => runtime.CancelAsync(worker.WorkerId, Ct).AsTask());
        Assert.Equal(ApiErrorCodes.NotRunning, error.Code);
    }

    [Fact]
    public async Task Stop_cancels_the_run_then_stops_the_worker_and_later_commands_are_worker_stopped()
    {
        await using var runtime = InMemory(out var log, Options(deltaDelayMs: 20));
        var worker = await runtime.CreateWorkerAsync(new CreateWorkerRequest(), Ct);
        var run = await runtime.SendInputAsync(worker.WorkerId, "long 10000", Ct);
        await runtime.StopAsync(worker.WorkerId, Ct);
        await runtime.FlushAsync();

        Assert.Equal("stopped", runtime.GetWorker(worker.WorkerId).Status);
        var events = await ReadEventsAsync(log, runtime.Keys.WorkerEvents(worker.WorkerId));
        var tail = events.TakeLast(4).ToList();
        Assert.Equal(new TurnEndEvent(1, TurnResults.Cancelled), tail[0]);
        tail.RemoveAt(0);
        Assert.Equal(new RunEndEvent(run.RunId!, RunResults.Cancelled), tail[0]);
        Assert.Equal(new WorkerStoppedEvent(worker.WorkerId, "stopped by request"), tail[1]);
        Assert.Equal(new StatusEvent(WorkerStatuses.Stopped), tail[2]);

        foreach (var command in new Func<Task>[]
        {
            () => runtime.SendInputAsync(worker.WorkerId, "hi", Ct).AsTask(),
            () => runtime.CancelAsync(worker.WorkerId, Ct).AsTask(),
            () => runtime.StopAsync(worker.WorkerId, Ct).AsTask(),
        })
            Assert.Equal(ApiErrorCodes.WorkerStopped, (await Assert.ThrowsAsync<WorkerCommandException>(command)).Code);
    }

    [Fact]
    public async Task An_unknown_worker_is_worker_not_found_and_an_odd_id_is_invalid_request()
    {
        await using var runtime = InMemory(out _);
        Assert.Equal(ApiErrorCodes.WorkerNotFound, Assert.Throws<WorkerCommandException>(() => runtime.GetWorker("w-missing")).Code);
        Assert.Equal(ApiErrorCodes.WorkerNotFound,
            (await Assert.ThrowsAsync<WorkerCommandException>(() => runtime.SendInputAsync("w-missing", "x", Ct).AsTask())).Code);
        foreach (var odd in new[] { "", "a:b", "w 1", "x/../y", new string('a', 65), "é" })
            Assert.Equal(ApiErrorCodes.InvalidRequest, Assert.Throws<WorkerCommandException>(() => runtime.GetWorker(odd)).Code);
    }

    [Fact]
    public async Task Empty_or_oversized_input_is_invalid_request()
    {
        var options = Options();
        options.MaxInputChars = 10;
        await using var runtime = InMemory(out _, options);
        var worker = await runtime.CreateWorkerAsync(new CreateWorkerRequest(), Ct);
        foreach (var text in new[] { "", new string('x', 11) })
            Assert.Equal(ApiErrorCodes.InvalidRequest,
                (await Assert.ThrowsAsync<WorkerCommandException>(() => runtime.SendInputAsync(worker.WorkerId, text, Ct).AsTask())).Code);
        Assert.Equal("idle", runtime.GetWorker(worker.WorkerId).Status);
    }

    [Fact]
    public async Task An_unknown_or_unconfigured_provider_is_invalid_request()
    {
        await using var runtime = InMemory(out _);
        foreach (var provider in new[] { "gpt", "openai", "ollama" })
        {
            var error = await Assert.ThrowsAsync<WorkerCommandException>(() => runtime.CreateWorkerAsync(new CreateWorkerRequest(provider), Ct).AsTask());
            Assert.Equal(ApiErrorCodes.InvalidRequest, error.Code);
            Assert.Contains($"'{provider}'", error.Message);
        }
        Assert.Empty(runtime.ListWorkers());
    }

    [Fact]
    public async Task Runtime_info_counts_workers_by_status()
    {
        await using var runtime = InMemory(out _, Options(deltaDelayMs: 20));
        var a = await runtime.CreateWorkerAsync(new CreateWorkerRequest(), Ct);
        var b = await runtime.CreateWorkerAsync(new CreateWorkerRequest(), Ct);
        await runtime.CreateWorkerAsync(new CreateWorkerRequest(), Ct);
        await runtime.SendInputAsync(a.WorkerId, "long 1000", Ct);
        await runtime.StopAsync(b.WorkerId, Ct);
        var info = runtime.GetInfo();
        Assert.Equal("rt-test", info.RuntimeId);
        Assert.Equal(new WorkerCounts(3, 1, 1, 1), info.Workers);
        Assert.Contains(RuntimeCapabilities.Events, info.Capabilities);
        Assert.Equal(3, runtime.ListWorkers().Count);
    }
}
