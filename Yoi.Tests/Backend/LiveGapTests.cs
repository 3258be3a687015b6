using System.Globalization;
using Microsoft.Extensions.DependencyInjection;
using Yoi.Client;
using Yoi.Protocol;
using Yoi.Protocol.Cursors;
using Yoi.Protocol.Envelopes;
using Yoi.Protocol.Events;
using Yoi.Tests.EventLog.Redis;
using Yoi.Runtime.Workers;
using Yoi.Tests.RuntimeService;

namespace Yoi.Tests.Backend;

/// <summary>
/// The Backend's shared read of a stream falls behind retention: a Redis paused with SIGSTOP while a worker streams,
/// then a burst larger than <c>MAXLEN</c> trims entries the Backend never read. Every client of the stream must be told
/// (<c>cursor_expired</c>, a snapshot, then live), never skipped past the gap in silence.
/// </summary>
public sealed class LiveGapTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Burst_past_max_length_after_a_redis_stall_is_announced_to_every_client_never_skipped()
    {
        // Small stream nodes, so MAXLEN ~ 10 keeps at most about 20 entries.
        await using var redis = await RedisServerFixture.StartPrivateServerAsync("--stream-node-max-entries", "10");
        var prefix = RedisServerFixture.NewKeyPrefix();
        await using var runtime = await RuntimeServiceHost.StartAsync(
            ("ConnectionStrings:redis", redis.ConnectionString), ("Runtime:Id", "rt-1"), ("Runtime:KeyPrefix", prefix),
            ("Runtime:Retention:MaxLength", "10"), ("Runtime:Scripted:DeltaDelayMs", "2"));
        await using var backend = await BackendHost.StartAsync(BackendHost.RemoteRuntimeSettings(redis.ConnectionString, runtime, prefix));
        var api = backend.Client();
        var worker = (await api.CreateWorkerAsync("rt-1", cancellationToken: Ct)).WorkerId;
        var clients = new[] { new Recorder(), new Recorder() };
        foreach (var client in clients)
            client.Start(await backend.ConnectAsync($"api/runtimes/rt-1/workers/{worker}/events/ws"));

        await api.SendInputAsync("rt-1", worker, "long 3000", Ct);
        await Eventually.TrueAsync(() => clients.All(c => c.Deltas >= 50), "both clients streaming", TimeSpan.FromSeconds(60),
            () => $"deltas {string.Join(", ", clients.Select(c => c.Deltas))}");
        redis.Pause();
        try
        {
            // The worker keeps producing while Redis is stalled: wait until the runtime holds a burst many times MAXLEN.
            var workers = runtime.Services.GetRequiredService<WorkerRuntime>();
            await Eventually.ValueAsync(() => workers.QueuedEvents(worker), queued => queued >= 200, "a burst of 200 queued events",
                TimeSpan.FromSeconds(60));
        }
        finally
        {
            redis.Resume();
        }
        await Eventually.TrueAsync(() => clients.All(c => c.RunEnded || c.Violation is not null), "the run end at both clients",
            TimeSpan.FromSeconds(120), () => $"deltas {string.Join(", ", clients.Select(c => c.Deltas))}");

        foreach (var client in clients)
        {
            await client.StopAsync();
            Assert.Null(client.Violation);
            Assert.True(client.AnnouncedGaps >= 1, "the burst trimmed entries the Backend had not read, so a gap must be announced");
        }
    }

    /// <summary>Reads one observation connection and checks every frame: cursors increase; deltas are contiguous except across an announced gap.</summary>
    private sealed class Recorder
    {
        private WsProbe? _probe;
        private Task? _loop;
        private volatile int _deltas;
        private volatile bool _runEnded;
        public int Deltas => _deltas;
        public bool RunEnded => _runEnded;
        public int AnnouncedGaps { get; private set; }
        public string? Violation { get; private set; }

        public void Start(WsProbe probe)
        {
            _probe = probe;
            probe.Record = false;
            _loop = Task.Run(ReadAsync);
        }

        private async Task ReadAsync()
        {
            StreamCursor? last = null;
            int? lastWord = null;
            var expectSnapshot = false;
            while (await _probe!.TryNextAsync(TimeSpan.FromSeconds(60)) is { } frame)
            {
                switch (frame)
                {
                    case DiagnosticFrame { Code: DiagnosticCodes.CursorExpired }:
                        AnnouncedGaps++;
                        expectSnapshot = true;
                        break;
                    case DiagnosticFrame d:
                        Violation ??= $"unexpected diagnostic {d.Code}";
                        break;
                    case SnapshotFrame s:
                        if (last is { } l && s.Cursor < l) Violation ??= $"snapshot {s.Cursor} before {l}";
                        last = s.Cursor;
                        lastWord = null; // the snapshot holds the text so far; deltas go on from it
                        expectSnapshot = false;
                        break;
                    case EventFrame e:
                        if (expectSnapshot) Violation ??= "an event between cursor_expired and its snapshot";
                        if (last is { } prev && e.Cursor <= prev) Violation ??= $"cursor {e.Cursor} after {prev}";
                        last = e.Cursor;
                        if (e.Payload is TextDeltaEvent delta && delta.Text.Trim().StartsWith("word", StringComparison.Ordinal))
                        {
                            var word = int.Parse(delta.Text.Trim()[4..], CultureInfo.InvariantCulture);
                            if (lastWord is { } w && word != w + 1) Violation ??= $"word{word} after word{w} with no gap announced";
                            lastWord = word;
                            _deltas++;
                        }
                        if (e.Payload is RunEndEvent) _runEnded = true;
                        break;
                }
            }
        }

        public async Task StopAsync()
        {
            _probe!.Dispose();
            try { await _loop!; }
            catch (Exception ex) when (ex is OperationCanceledException or System.Net.WebSockets.WebSocketException or ObjectDisposedException) { }
        }
    }
}
