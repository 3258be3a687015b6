using Yoi.EventLog.Storage;
using StackExchange.Redis;
using System.Text.Json;
using Yoi.Protocol;
using Yoi.EventLog.Redis;
using Yoi.Protocol.Cursors;
using Yoi.Protocol.Events;
using Yoi.Runtime.Streams;
using Yoi.Tests.EventLog.Redis;
using static Yoi.Tests.RuntimeService.RuntimeApi;

namespace Yoi.Tests.RuntimeService;

/// <summary>The real service as a child process on a real Redis: kill and restart, graceful stop, bad configuration.</summary>
public sealed class RuntimeServiceProcessTests(RedisServerFixture redis)
{
    private const string Token = "process-test-token-0123456789";
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private Dictionary<string, string> Environment(string prefix) => new()
    {
        ["Runtime__Id"] = "rt-proc",
        ["Runtime__Token"] = Token,
        ["Runtime__KeyPrefix"] = prefix,
        ["Runtime__Scripted__DeltaDelayMs"] = "10",
        ["ConnectionStrings__redis"] = redis.ConnectionString,
        ["Logging__LogLevel__Default"] = "Warning",
    };

    [Fact]
    public async Task After_SIGKILL_mid_run_a_restart_lists_the_same_workers_keeps_transcripts_and_closes_the_cut_run_as_failed()
    {
        var environment = Environment(RedisServerFixture.NewKeyPrefix());
        string doneId, cutId, cutRunId, doneTranscript;
        int deltasBeforeKill;
        await using (var first = await RuntimeServiceProcess.StartAsync(environment))
        {
            using var client = first.NewClient(Token);
            doneId = (await CreateWorkerAsync(client)).WorkerId;
            cutId = (await CreateWorkerAsync(client)).WorkerId;
            var done = await SendInputAsync(client, doneId, "finish this one");
            await WaitRunEndAsync(client, doneId, done.RunId!);
            doneTranscript = await client.GetStringAsync($"/v1/workers/{doneId}/transcript", Ct);
            cutRunId = (await SendInputAsync(client, cutId, "long 100000")).RunId!;
            await WaitForDeltasAsync(client, cutId, 30);
            first.Kill();
            var stored = await new RedisEventLog(redis.Multiplexer).ReadAfterAsync(
                new StreamKeys(environment["Runtime__KeyPrefix"], "rt-proc").WorkerEvents(cutId), StreamCursor.Zero, 100_000, Ct);
            deltasBeforeKill = stored.Count(e => WorkerEventJson.PeekKind(e.Payload.Span) == EventKinds.TextDelta);
        }

        await using var second = await RuntimeServiceProcess.StartAsync(environment);
        using var again = second.NewClient(Token);
        var workers = await ListWorkersAsync(again);
        Assert.Equal(new[] { doneId, cutId }.Order(StringComparer.Ordinal), workers.Select(w => w.WorkerId).Order(StringComparer.Ordinal));
        Assert.All(workers, w => Assert.Equal(("idle", (string?)null), (w.Status, w.RunId)));

        Assert.Equal(Normalize(doneTranscript), Normalize(await again.GetStringAsync($"/v1/workers/{doneId}/transcript", Ct)));

        var events = await ReadAllEventsAsync(again, cutId, 1000);
        var payloads = events.Select(e => e.Payload).ToList();
        Assert.Equal(deltasBeforeKill, payloads.Count(p => p is TextDeltaEvent));
        Assert.Equal(["diagnostic", "run_end", "status"], payloads.TakeLast(3).Select(p => p.Kind));
        Assert.Equal(DiagnosticCodes.RunInterrupted, ((DiagnosticEvent)payloads[^3]).Code);
        Assert.Equal(new RunEndEvent(cutRunId, RunResults.Failed), payloads[^2]);
        Assert.Equal(new StatusEvent("idle"), payloads[^1]);
        Assert.Single(payloads.OfType<RunEndEvent>());
        var deltas = payloads.OfType<TextDeltaEvent>().Select(d => d.Text.Trim()).ToList();
        Assert.Equal(Enumerable.Range(0, deltas.Count).Select(i => $"word{i}"), deltas);

        using var transcript = JsonDocument.Parse(await again.GetStringAsync($"/v1/workers/{cutId}/transcript", Ct));
        Assert.Equal(0, transcript.RootElement.GetProperty("in_flight").GetArrayLength());
        Assert.Equal("failed", transcript.RootElement.GetProperty("transcript")[1].GetProperty("result").GetString());

        // The worker whose run was cut works again.
        var next = await SendInputAsync(again, cutId, "after the crash");
        await WaitRunEndAsync(again, cutId, next.RunId!);
    }

    private static string Normalize(string json) => JsonSerializer.Serialize(JsonDocument.Parse(json).RootElement);

    [Fact]
    public async Task SIGTERM_stops_gracefully_and_closes_a_run_in_flight_as_failed()
    {
        var environment = Environment(RedisServerFixture.NewKeyPrefix());
        await using var first = await RuntimeServiceProcess.StartAsync(environment);
        using var client = first.NewClient(Token);
        var id = (await CreateWorkerAsync(client)).WorkerId;
        var run = await SendInputAsync(client, id, "long 100000");
        await WaitForDeltasAsync(client, id, 1);
        await first.StopAsync();
        Assert.Equal(0, first.ExitCode);

        await using var second = await RuntimeServiceProcess.StartAsync(environment);
        using var again = second.NewClient(Token);
        var payloads = (await ReadAllEventsAsync(again, id, 1000)).Select(f => f.Payload).ToList();
        Assert.Equal(new RunEndEvent(run.RunId!, RunResults.Failed), payloads[^2]);
        Assert.Single(payloads.OfType<RunEndEvent>());
        Assert.Equal(DiagnosticCodes.RunInterrupted, payloads.OfType<DiagnosticEvent>().Single().Code);
    }

    [Fact]
    public async Task A_missing_setting_stops_the_process_at_start_with_a_message_naming_it()
    {
        await using var service = await RuntimeServiceProcess.StartAsync(new Dictionary<string, string> { ["Runtime__Id"] = "rt-x" }, waitHealthy: false);
        await service.WaitForExitAsync(TimeSpan.FromSeconds(60));
        Assert.Equal(1, service.ExitCode);
        Assert.Contains("Runtime:Token", service.Output);
    }

    [Fact]
    public async Task A_bad_plugin_grant_stops_the_process_at_start_with_exit_code_1_naming_it()
    {
        await using var service = await RuntimeServiceProcess.StartAsync(new Dictionary<string, string>
        {
            ["Runtime__Id"] = "rt-x",
            ["Runtime__Token"] = "0123456789abcdef-token",
            ["Runtime__Plugins__chat-bridge__Enabled"] = "true",
            ["Runtime__Plugins__chat-bridge__Grants__WebSocket__chat"] = "ws://10.0.0.5/chat",
        }, waitHealthy: false);
        await service.WaitForExitAsync(TimeSpan.FromSeconds(60));
        Assert.Equal(1, service.ExitCode);
        AssertOneLineNames(service.Output, "Runtime:Plugins:chat-bridge:Grants:WebSocket:chat:AllowPrivateNetwork");
    }

    [Theory]
    [InlineData("Backend__Observation__ClientQueueCapacity", "lots", "Backend:Observation:ClientQueueCapacity")]
    public async Task The_backend_process_stops_at_start_on_an_invalid_setting_with_one_line_naming_it(string variable, string value, string named)
    {
        await using var backend = await RuntimeServiceProcess.StartAsync(new Dictionary<string, string> { [variable] = value },
            waitHealthy: false, project: "Yoi.BackendService");
        await backend.WaitForExitAsync(TimeSpan.FromSeconds(60));
        Assert.Equal(1, backend.ExitCode);
        AssertOneLineNames(backend.Output, named);
        Assert.DoesNotContain("Unhandled exception", backend.Output);
    }

    /// <summary>The process said what was wrong on one <c>Invalid configuration:</c> line naming <paramref name="setting"/>.</summary>
    private static void AssertOneLineNames(string output, string setting) =>
        Assert.Contains(output.Split('\n'), line => line.StartsWith("Invalid configuration: ", StringComparison.Ordinal)
            && line.Contains(setting, StringComparison.Ordinal));
}
