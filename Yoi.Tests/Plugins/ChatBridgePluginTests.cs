using Yoi.EventLog.Storage;
using System.Text.Json;
using Yoi.EventLog;
using Yoi.EventLog.Memory;
using Yoi.Protocol.Cursors;
using Yoi.Protocol.Events;
using Yoi.Protocol.Plugins;
using Yoi.Runtime.Plugins;
using Yoi.Runtime.Streams;
using static Yoi.Tests.Plugins.PluginTestHost;

namespace Yoi.Tests.Plugins;

/// <summary>
/// The chat bridge end to end: a chat frame from a loopback WebSocket server becomes Worker input, the Worker's
/// events go to a real in-memory event log, and the final text comes back as a reply frame. The Worker runtime is
/// the test-local <see cref="EchoWorkerRuntime"/>.
/// </summary>
public sealed class ChatBridgePluginTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private sealed record Rig(PluginHost Host, ChatBridgePlugin Bridge, EchoWorkerRuntime Workers, InMemoryEventLog Log, StreamKeys Keys);

    private static Rig Create(LoopbackWebSocketServer server, params (string, string)[] extra)
    {
        var log = new InMemoryEventLog();
        var keys = new StreamKeys(StreamKeys.DefaultPrefix, "rt-test");
        var workers = new EchoWorkerRuntime(log, keys);
        var bridge = new ChatBridgePlugin(log, keys.WorkerEvents);
        var host = PluginTestHost.Create(bridge, workers, LoopbackGrant(ChatBridgePlugin.Id, ChatBridgePlugin.TargetName, server.Url, extra));
        return new Rig(host, bridge, workers, log, keys);
    }

    private static JsonElement Parse(string? json)
    {
        Assert.NotNull(json);
        return JsonDocument.Parse(json).RootElement.Clone();
    }

    [Fact]
    public async Task Chat_message_becomes_worker_input_and_the_final_text_comes_back_as_a_reply()
    {
        await using var server = await LoopbackWebSocketServer.StartAsync(Ct);
        var rig = Create(server);
        await rig.Host.StartAsync(Ct);
        var chat = await server.AcceptAsync(Ct);
        Assert.Equal("w1", rig.Bridge.WorkerId); // created at start: no WorkerId setting

        await chat.SendTextAsync("""{"type":"presence","user":"ann"}""", Ct); // other types are ignored
        await chat.SendTextAsync("""{"type":"message","id":"m-1","user":"ann","text":"hello there"}""", Ct);

        var reply = Parse(await chat.ReceiveTextAsync(Ct));
        Assert.Equal("reply", reply.GetProperty("type").GetString());
        Assert.Equal("m-1", reply.GetProperty("in_reply_to").GetString());
        Assert.Equal("echo: hello there", reply.GetProperty("text").GetString());
        Assert.Equal(RunResults.Finished, reply.GetProperty("result").GetString());

        var entries = await rig.Log.ReadAfterAsync(rig.Keys.WorkerEvents("w1"), StreamCursor.Zero, 100, Ct);
        var events = entries.Select(e => WorkerEventJson.Deserialize(e.Payload.Span)).ToList();
        Assert.Contains(new UserMessageEvent("hello there"), events);
        Assert.Equal(["hello there"], rig.Workers.Inputs);
        // The peer can read the reply before the sender loop has counted it.
        await Eventually.ValueAsync(() => rig.Host.GetStatus(ChatBridgePlugin.Id)!.Connections[0].FramesOut, n => n == 1, "frames_out 1");
        var status = rig.Host.GetStatus(ChatBridgePlugin.Id)!;
        Assert.DoesNotContain(status.Diagnostics, d => d.Code.StartsWith("chat_", StringComparison.Ordinal));
        await rig.Host.StopAsync(Ct);
    }

    [Fact]
    public async Task Busy_worker_queues_chat_messages_and_answers_them_in_order()
    {
        await using var server = await LoopbackWebSocketServer.StartAsync(Ct);
        var rig = Create(server, ($"Runtime:Plugins:{ChatBridgePlugin.Id}:Settings:WorkerId", "w1"));
        await rig.Workers.CreateWorkerAsync(new(), Ct);
        var hold = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        rig.Workers.Hold = hold;
        await rig.Workers.SendInputAsync("w1", "someone else's run", Ct); // the worker is busy until hold is released
        rig.Workers.Hold = null;
        await rig.Host.StartAsync(Ct);
        var chat = await server.AcceptAsync(Ct);

        await chat.SendTextAsync("""{"type":"message","id":"a","user":"ann","text":"first"}""", Ct);
        await chat.SendTextAsync("""{"type":"message","id":"b","user":"bob","text":"second"}""", Ct);
        await Eventually.ValueAsync(() => rig.Workers.AlreadyRunningRefusals, n => n >= 1, "the bridge met already_running");
        hold.SetResult();

        var first = Parse(await chat.ReceiveTextAsync(Ct));
        var second = Parse(await chat.ReceiveTextAsync(Ct));
        Assert.Equal(("a", "echo: first"), (first.GetProperty("in_reply_to").GetString(), first.GetProperty("text").GetString()));
        Assert.Equal(("b", "echo: second"), (second.GetProperty("in_reply_to").GetString(), second.GetProperty("text").GetString()));
        Assert.Equal(["someone else's run", "first", "second"], rig.Workers.Inputs);
        await rig.Host.StopAsync(Ct);
    }

    [Fact]
    public async Task Malformed_chat_frame_gives_a_diagnostic_and_the_bridge_keeps_working()
    {
        await using var server = await LoopbackWebSocketServer.StartAsync(Ct);
        var rig = Create(server);
        await rig.Host.StartAsync(Ct);
        var chat = await server.AcceptAsync(Ct);

        await chat.SendTextAsync("{not json", Ct);
        await chat.SendTextAsync("""{"type":"message","text":"no id"}""", Ct);
        await chat.SendTextAsync("""{"type":"message","id":"ok","text":"still here"}""", Ct);

        Assert.Equal("echo: still here", Parse(await chat.ReceiveTextAsync(Ct)).GetProperty("text").GetString());
        var diagnostics = rig.Host.GetStatus(ChatBridgePlugin.Id)!.Diagnostics;
        Assert.Equal(2, diagnostics.Count(d => d.Code == "chat_message_invalid"));
        await rig.Host.StopAsync(Ct);
    }

    [Fact]
    public async Task Invalid_worker_id_setting_fails_the_start_naming_the_setting()
    {
        await using var server = await LoopbackWebSocketServer.StartAsync(Ct);
        var rig = Create(server, ($"Runtime:Plugins:{ChatBridgePlugin.Id}:Settings:WorkerId", "w 1"));
        await rig.Host.StartAsync(Ct);
        var status = rig.Host.GetStatus(ChatBridgePlugin.Id)!;
        Assert.Equal(PluginStates.Failed, status.Status);
        Assert.Contains("Runtime:Plugins:chat-bridge:Settings:WorkerId", status.LastError);
        Assert.Empty(status.Connections);
    }
}
