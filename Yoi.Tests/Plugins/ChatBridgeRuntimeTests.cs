using System.Text.Json;
using Microsoft.Extensions.Logging.Abstractions;
using Yoi.EventLog.Memory;
using Yoi.Protocol.Cursors;
using Yoi.Protocol.Events;
using Yoi.Runtime;
using Yoi.Runtime.Plugins;
using Yoi.EventLog.Storage;
using Yoi.Runtime.Workers;
using static Yoi.Tests.Plugins.PluginTestHost;

namespace Yoi.Tests.Plugins;

/// <summary>
/// The chat bridge against the real <see cref="WorkerRuntime"/> (scripted provider, in-memory event log): chat frame
/// -> worker input -> the run's real events -> reply frame with the run's final text.
/// </summary>
public sealed class ChatBridgeRuntimeTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Chat_message_runs_a_real_worker_and_the_reply_is_the_runs_final_text()
    {
        await using var server = await LoopbackWebSocketServer.StartAsync(Ct);
        var log = new InMemoryEventLog();
        await using var runtime = WorkerRuntime.CreateEmbedded("rt-bridge", log, new InMemorySnapshotStore(), NullLoggerFactory.Instance,
            new RuntimeOptions { Scripted = { DeltaDelayMs = 1 } });
        var bridge = new ChatBridgePlugin(log, runtime.Keys.WorkerEvents);
        var host = Create(bridge, runtime, LoopbackGrant(ChatBridgePlugin.Id, ChatBridgePlugin.TargetName, server.Url));
        await host.StartAsync(Ct);
        var chat = await server.AcceptAsync(Ct);
        var workerId = bridge.WorkerId!;
        Assert.Equal(workerId, runtime.GetWorker(workerId).WorkerId);

        await chat.SendTextAsync("""{"type":"message","id":"c1","user":"ann","text":"what does the clock say?"}""", Ct);
        await chat.SendTextAsync("""{"type":"message","id":"c2","user":"bob","text":"and again"}""", Ct);
        var first = JsonDocument.Parse((await chat.ReceiveTextAsync(Ct))!).RootElement;
        var second = JsonDocument.Parse((await chat.ReceiveTextAsync(Ct))!).RootElement;

        var entries = await log.ReadAfterAsync(runtime.Keys.WorkerEvents(workerId), StreamCursor.Zero, 10_000, Ct);
        var events = entries.Select(e => WorkerEventJson.Deserialize(e.Payload.Span)).ToList();
        var runs = events.OfType<RunStartEvent>().Select(r => r.RunId).ToList();
        Assert.Equal(2, runs.Count);
        Assert.Equal([new UserMessageEvent("what does the clock say?"), new UserMessageEvent("and again")], events.OfType<UserMessageEvent>());
        Assert.Equal(("c1", FinalText(events, runs[0])), (first.GetProperty("in_reply_to").GetString(), first.GetProperty("text").GetString()));
        Assert.Equal(("c2", FinalText(events, runs[1])), (second.GetProperty("in_reply_to").GetString(), second.GetProperty("text").GetString()));
        Assert.Equal(RunResults.Finished, first.GetProperty("result").GetString());
        await host.StopAsync(Ct);
    }

    /// <summary>The last text_done between the run's start and end.</summary>
    private static string FinalText(IReadOnlyList<WorkerEvent> events, string runId)
    {
        var start = events.ToList().FindIndex(e => e is RunStartEvent s && s.RunId == runId);
        var end = events.ToList().FindIndex(e => e is RunEndEvent r && r.RunId == runId);
        var text = events.Skip(start).Take(end - start).OfType<TextDoneEvent>().LastOrDefault()?.Text;
        Assert.False(string.IsNullOrEmpty(text));
        return text;
    }
}
