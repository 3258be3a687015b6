using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Yoi.Protocol;
using Yoi.Protocol.Api;
using Yoi.Protocol.Cursors;
using Yoi.Protocol.Envelopes;
using Yoi.Protocol.Events;
using Yoi.Tests.EndToEnd;
using Yoi.Tests.EventLog.Redis;
using Yoi.Tests.RuntimeService;

namespace Yoi.Tests.Cli;

/// <summary><c>yoi</c> installed as a .NET tool and run as a process against the real Backend and Runtime over Redis.</summary>
[Collection(InstalledToolCollection.Name)]
public sealed class YoiToolTests(InstalledTool yoi, RedisServerFixture redis)
{
    private const string Question = "what time is it? use the clock";
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Yoi_lists_creates_sends_with_watch_and_prints_the_transcript_readably_and_as_json()
    {
        await using var stack = await RuntimeBackendStack.StartAsync(redis);
        var env = new Dictionary<string, string> { ["YOI_BACKEND"] = stack.BaseUri.ToString() };

        var runtimes = await yoi.RunAsync(["runtimes"], env);
        Assert.True(runtimes.ExitCode == 0, runtimes.ToString());
        Assert.Matches(new Regex(@"^RUNTIME\s+AVAILABLE\s+SOURCE", RegexOptions.Multiline), runtimes.Stdout);
        Assert.Matches(new Regex(@"^rt-1\s+yes\s+remote", RegexOptions.Multiline), runtimes.Stdout);

        var created = await yoi.RunAsync(["new", "rt-1"], env);
        Assert.True(created.ExitCode == 0, created.ToString());
        var workerId = created.Stdout.Trim();
        Assert.True(ResourceId.IsValid(workerId), created.ToString());

        var sent = await yoi.RunAsync(["send", "rt-1", workerId, Question, "--watch"], env);
        Assert.True(sent.ExitCode == 0, sent.ToString());
        Assert.Contains($"you: {Question}", sent.Stdout);
        Assert.Contains("[thinking]", sent.Stdout);
        Assert.Contains("  -> clock({})", sent.Stdout);
        Assert.Matches(new Regex(@"^  <- \d{4}-\d{2}-\d{2}T", RegexOptions.Multiline), sent.Stdout);
        Assert.Matches(new Regex(@"^  run \S+ finished$", RegexOptions.Multiline), sent.Stdout);

        var workers = await yoi.RunAsync(["workers", "rt-1", "--json"], env);
        Assert.True(workers.ExitCode == 0, workers.ToString());
        var list = JsonSerializer.Deserialize(workers.Stdout, ApiJsonContext.Default.WorkerList)!;
        Assert.Equal(WorkerStatuses.Idle, Assert.Single(list.Workers, w => w.WorkerId == workerId).Status);

        var transcriptJson = await yoi.RunAsync(["transcript", "rt-1", workerId, "--json"], env);
        Assert.True(transcriptJson.ExitCode == 0, transcriptJson.ToString());
        var transcript = JsonSerializer.Deserialize(transcriptJson.Stdout, ProtocolJsonContext.Default.WorkerTranscript)!;
        Assert.Equal(2, transcript.Transcript.Count);

        var transcriptText = await yoi.RunAsync(["transcript", "rt-1", workerId], env);
        Assert.True(transcriptText.ExitCode == 0, transcriptText.ToString());
        Assert.Contains($"you: {Question}", transcriptText.Stdout);
        Assert.Contains("assistant (run ", transcriptText.Stdout);

        // The runtime-wide stream from its start, as JSON frames: this worker's creation is there.
        var lifecycle = await yoi.RunAsync(["watch", "rt-1", "--cursor", "0-0", "--json", "--until-run-end"], env);
        Assert.True(lifecycle.ExitCode == 0, lifecycle.ToString());
        var frames = lifecycle.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => ObservationFrame.Parse(Encoding.UTF8.GetBytes(l))).ToList();
        Assert.Contains(frames, f => f is EventFrame { Payload: WorkerCreatedEvent } e && e.WorkerId == workerId);
    }

    [Fact]
    public async Task Yoi_exit_codes_say_what_failed()
    {
        const string operatorKey = "cli-operator-key-0123456789";
        const string viewerKey = "cli-viewer-key-0123456789";
        await using var stack = await RuntimeBackendStack.StartAsync(redis, new Dictionary<string, string?>
        {
            ["Backend:ApiKeys:0:Key"] = operatorKey,
            ["Backend:ApiKeys:0:Role"] = "operator",
            ["Backend:ApiKeys:1:Key"] = viewerKey,
            ["Backend:ApiKeys:1:Role"] = "viewer",
        });
        var env = new Dictionary<string, string> { ["YOI_BACKEND"] = stack.BaseUri.ToString(), ["YOI_API_KEY"] = operatorKey };
        var worker = await stack.Backend!.Client(operatorKey).CreateWorkerAsync("rt-1", cancellationToken: Ct);

        await ExpectAsync(5, "runtime_not_found", ["workers", "rt-9"], env);
        await ExpectAsync(5, "worker_not_found", ["transcript", "rt-1", "ghost"], env);
        await ExpectAsync(4, "unauthorized", ["runtimes", "--api-key", "wrong-key"], env);
        await ExpectAsync(4, "forbidden", ["send", "rt-1", worker.WorkerId, "hi", "--api-key", viewerKey], env);
        await ExpectAsync(9, "invalid_request", ["send", "rt-1", "bad%id", "hi"], env);
        await ExpectAsync(2, "Unrecognized", ["runtimes", "--no-such-option"], env);
        await ExpectAsync(2, "--cursor is malformed", ["watch", "rt-1", worker.WorkerId, "--cursor", "12"], env);
        await ExpectAsync(2, "--backend must be an http or https URL", ["runtimes", "--backend", "ftp://x"], env);
        await ExpectAsync(3, "could not be reached", ["runtimes", "--backend", $"http://127.0.0.1:{ClosedPort()}/"], env);
        await ExpectAsync(5, "diagnostic worker_not_found", ["watch", "rt-1", "ghost"], env);

        await stack.Backend.Client(operatorKey).StopAsync("rt-1", worker.WorkerId, Ct);
        await ExpectAsync(6, "worker_stopped", ["send", "rt-1", worker.WorkerId, "hi"], env);
    }

    [Fact]
    public async Task Yoi_watch_resumes_across_a_backend_restart_and_prints_every_event_once()
    {
        await using var stack = await RuntimeBackendStack.StartAsync(redis);
        var client = stack.Backend!.Client();
        var worker = await client.CreateWorkerAsync("rt-1", cancellationToken: Ct);
        var env = new Dictionary<string, string> { ["YOI_BACKEND"] = stack.BaseUri.ToString() };

        using var watch = yoi.Start(["watch", "rt-1", worker.WorkerId, "--json"], env);
        var lines = new List<string>();
        var stderr = watch.StandardError.ReadToEndAsync(Ct);
        async Task<ObservationFrame> NextAsync()
        {
            var line = await watch.StandardOutput.ReadLineAsync(Ct).AsTask().WaitAsync(TimeSpan.FromSeconds(60), Ct)
                ?? throw new Xunit.Sdk.XunitException($"yoi watch ended early:\n{string.Join('\n', lines)}\n{await stderr}");
            lines.Add(line);
            return ObservationFrame.Parse(Encoding.UTF8.GetBytes(line));
        }

        var snapshot = Assert.IsType<SnapshotFrame>(await NextAsync());
        await stack.StopBackendAsync();
        // While the Backend is down the worker runs (input straight to the runtime); the watch must print all of it.
        var run = await RuntimeApi.SendInputAsync(stack.Runtime.Client, worker.WorkerId, Question);
        await RuntimeApi.WaitRunEndAsync(stack.Runtime.Client, worker.WorkerId, run.RunId!, TimeSpan.FromSeconds(60));
        await stack.StartBackendAsync();

        var seen = new List<EventFrame>();
        while (true)
        {
            var frame = await NextAsync();
            if (frame is DiagnosticFrame) continue;
            var e = Assert.IsType<EventFrame>(frame);
            seen.Add(e);
            if (e.Payload is StatusEvent { Status: "idle" } && seen.Any(s => s.Payload is RunEndEvent)) break;
        }
        var stored = (await RuntimeApi.ReadAllEventsAsync(stack.Runtime.Client, worker.WorkerId, pageSize: 1000))
            .Where(e => e.Cursor > snapshot.Cursor).ToList();
        Assert.Equal(stored.Select(e => e.Cursor), seen.Select(e => e.Cursor));

        using (var term = System.Diagnostics.Process.Start("kill", ["-TERM", watch.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]))
            await term.WaitForExitAsync(Ct);
        await watch.WaitForExitAsync(Ct).WaitAsync(TimeSpan.FromSeconds(30), Ct);
        Assert.Equal(0, watch.ExitCode);
    }

    private async Task ExpectAsync(int exitCode, string message, string[] args, IDictionary<string, string> env)
    {
        var run = await yoi.RunAsync(args, env);
        Assert.True(run.ExitCode == exitCode && run.Stderr.Contains(message, StringComparison.Ordinal),
            $"yoi {string.Join(' ', args)}: expected exit {exitCode} with '{message}'\n{run}");
    }

    private static int ClosedPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
