using System.Net.WebSockets;
using Yoi.Protocol.Plugins;
using Yoi.Runtime.Plugins;
using static Yoi.Tests.Plugins.PluginTestHost;

namespace Yoi.Tests.Plugins;

/// <summary>The host-owned WebSocket driver against a real Kestrel WebSocket server on 127.0.0.1.</summary>
public sealed class PluginHostTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static async Task<(PluginHost Host, RecordingPlugin Plugin, ServerConnection Server)> StartConnectedAsync(
        LoopbackWebSocketServer server, ReconnectPolicy? reconnect = null, params (string, string)[] extra)
    {
        var plugin = RecordingPlugin.WithTarget(reconnect: reconnect);
        var host = Create(plugin, null, LoopbackGrant("recorder", "feed", server.Url, extra));
        await host.StartAsync(Ct);
        var connection = await server.AcceptAsync(Ct);
        await plugin.WaitForKindAsync(PluginIngressKinds.WebSocketConnected, Ct);
        return (host, plugin, connection);
    }

    [Fact]
    public async Task Start_connects_granted_target_and_stop_closes_it()
    {
        await using var server = await LoopbackWebSocketServer.StartAsync(Ct);
        var (host, plugin, connection) = await StartConnectedAsync(server);

        var status = host.GetStatus("recorder")!;
        Assert.Equal(PluginStates.Running, status.Status);
        Assert.Equal(ConnectionStates.Connected, Assert.Single(status.Connections).State);
        Assert.Equal($"ws://127.0.0.1:{server.Port}/ws", status.Connections[0].Url);
        Assert.Equal(1, plugin.Starts);

        await host.StopPluginAsync("recorder", Ct);
        Assert.Null(await connection.ReceiveTextAsync(Ct));
        Assert.Equal(WebSocketCloseStatus.EndpointUnavailable, connection.Socket.CloseStatus);
        Assert.Equal(PluginStates.Stopped, host.GetStatus("recorder")!.Status);
        Assert.Equal(1, plugin.Stops);

        await host.StartPluginAsync("recorder", Ct);
        await server.AcceptAsync(Ct);
        Assert.Equal(PluginStates.Running, host.GetStatus("recorder")!.Status);
        await host.StopAsync(Ct);
    }

    [Fact]
    public async Task Disabled_plugin_stays_stopped_with_no_connections()
    {
        var plugin = RecordingPlugin.WithTarget();
        var host = Create(plugin, null);
        await host.StartAsync(Ct);
        var status = host.GetStatus("recorder")!;
        Assert.Equal(PluginStates.Stopped, status.Status);
        Assert.False(status.Enabled);
        Assert.Empty(status.Connections);
    }

    [Fact]
    public async Task Incoming_text_frames_become_ingress_events_in_order_including_fragmented_ones()
    {
        await using var server = await LoopbackWebSocketServer.StartAsync(Ct);
        var (host, plugin, connection) = await StartConnectedAsync(server);

        await connection.SendTextAsync("hello", Ct);
        await connection.Socket.SendAsync("frag"u8.ToArray(), WebSocketMessageType.Text, false, Ct);
        await connection.Socket.SendAsync("mented"u8.ToArray(), WebSocketMessageType.Text, true, Ct);

        var first = await plugin.WaitForKindAsync(PluginIngressKinds.WebSocketMessage, Ct);
        var second = await plugin.WaitForKindAsync(PluginIngressKinds.WebSocketMessage, Ct);
        Assert.Equal(("feed", "hello"), (first.Target, first.Text));
        Assert.Equal("fragmented", second.Text);
        var status = host.Connection("recorder", "feed");
        Assert.Equal(2, status.FramesIn);
        Assert.NotNull(status.LastFrameAt);
        await host.StopAsync(Ct);
    }

    [Fact]
    public async Task Websocket_send_to_a_granted_target_reaches_the_server()
    {
        await using var server = await LoopbackWebSocketServer.StartAsync(Ct);
        var (host, plugin, connection) = await StartConnectedAsync(server);

        var result = await plugin.Context!.ExecuteAsync(new WebSocketSendCommand("feed", "ping from plugin"), Ct);
        Assert.True(result.Accepted);
        Assert.Equal("ping from plugin", await connection.ReceiveTextAsync(Ct));
        await Eventually.ValueAsync(() => host.Connection("recorder", "feed").FramesOut, n => n == 1, "frames_out 1");
        await host.StopAsync(Ct);
    }

    [Fact]
    public async Task Send_to_a_declared_but_ungranted_target_fails_closed_with_counter_and_diagnostic()
    {
        var plugin = new RecordingPlugin(new PluginManifest("recorder", "0.1.0", "", [new("feed", null, ""), new("other", "wss://other.example.com/", "")]));
        await using var server = await LoopbackWebSocketServer.StartAsync(Ct);
        var host = Create(plugin, null, LoopbackGrant("recorder", "feed", server.Url));
        await host.StartAsync(Ct);

        var result = await plugin.Context!.ExecuteAsync(new WebSocketSendCommand("other", "x"), Ct);
        Assert.False(result.Accepted);
        Assert.Equal(PluginCommandCodes.TargetNotGranted, result.Code);
        var status = host.GetStatus("recorder")!;
        Assert.Equal(1, status.SendRejected);
        Assert.Contains(status.Diagnostics, d => d.Code == PluginCommandCodes.TargetNotGranted);
        Assert.DoesNotContain(status.Connections, c => c.Target == "other");
        await host.StopAsync(Ct);
    }

    [Fact]
    public async Task Send_to_an_undeclared_target_fails_closed()
    {
        await using var server = await LoopbackWebSocketServer.StartAsync(Ct);
        var (host, plugin, _) = await StartConnectedAsync(server);
        var result = await plugin.Context!.ExecuteAsync(new WebSocketSendCommand("elsewhere", "x"), Ct);
        Assert.Equal(PluginCommandCodes.TargetUndeclared, result.Code);
        Assert.Equal(1, host.GetStatus("recorder")!.SendRejected);
        await host.StopAsync(Ct);
    }

    [Fact]
    public async Task Oversized_send_is_rejected_before_the_queue()
    {
        await using var server = await LoopbackWebSocketServer.StartAsync(Ct);
        var (host, plugin, _) = await StartConnectedAsync(server, null, ("Runtime:Plugins:recorder:MaxMessageBytes", "16"));
        var result = await plugin.Context!.ExecuteAsync(new WebSocketSendCommand("feed", new string('x', 17)), Ct);
        Assert.Equal(PluginCommandCodes.MessageTooLarge, result.Code);
        Assert.Equal(1, host.Connection("recorder", "feed").SendRejected);
        await host.StopAsync(Ct);
    }

    [Fact]
    public async Task Unknown_command_and_invalid_worker_id_are_refused_with_diagnostics()
    {
        await using var server = await LoopbackWebSocketServer.StartAsync(Ct);
        var (host, plugin, _) = await StartConnectedAsync(server);
        Assert.Equal(PluginCommandCodes.UnknownCommand, (await plugin.Context!.ExecuteAsync(new MadeUpCommand(), Ct)).Code);
        Assert.Equal(PluginCommandCodes.InvalidWorkerId, (await plugin.Context.ExecuteAsync(new WorkerInputCommand("../etc", "hi"), Ct)).Code);
        Assert.Equal(PluginCommandCodes.WorkerRuntimeUnavailable, (await plugin.Context.ExecuteAsync(new WorkerInputCommand("w1", "hi"), Ct)).Code);
        var codes = host.GetStatus("recorder")!.Diagnostics.Select(d => d.Code).ToList();
        Assert.Contains(PluginCommandCodes.UnknownCommand, codes);
        Assert.Contains(PluginCommandCodes.InvalidWorkerId, codes);
        await host.StopAsync(Ct);
    }

    private sealed record MadeUpCommand : PluginCommand
    {
        public override string Name => "made_up";
    }

    [Fact]
    public async Task Loopback_target_without_AllowPrivateNetwork_is_refused_at_start()
    {
        await using var server = await LoopbackWebSocketServer.StartAsync(Ct);
        var plugin = RecordingPlugin.WithTarget();
        var host = Create(plugin, null, ("Runtime:Plugins:recorder:Enabled", "true"), ("Runtime:Plugins:recorder:Grants:WebSocket:feed", server.Url.ToString()));
        var ex = await Assert.ThrowsAsync<Microsoft.Extensions.Options.OptionsValidationException>(() => host.StartAsync(Ct));
        Assert.Contains("Runtime:Plugins:recorder:Grants:WebSocket:feed:AllowPrivateNetwork", ex.Message);

        var status = await host.StartPluginAsync("recorder", Ct);
        Assert.Equal(PluginStates.Failed, status!.Status);
        Assert.Contains(status.Diagnostics, d => d.Code == PluginDiagnosticCodes.StartFailed);
        Assert.Equal(0, plugin.Starts);
    }

    [Fact]
    public async Task Undeclared_target_grant_is_refused_at_start()
    {
        var plugin = RecordingPlugin.WithTarget();
        var host = Create(plugin, null, ("Runtime:Plugins:recorder:Enabled", "true"),
            ("Runtime:Plugins:recorder:Grants:WebSocket:sneaky:Url", "ws://127.0.0.1:1/ws"),
            ("Runtime:Plugins:recorder:Grants:WebSocket:sneaky:AllowPrivateNetwork", "true"));
        var ex = await Assert.ThrowsAsync<Microsoft.Extensions.Options.OptionsValidationException>(() => host.StartAsync(Ct));
        Assert.Contains("Runtime:Plugins:recorder:Grants:WebSocket:sneaky", ex.Message);
        var status = await host.StartPluginAsync("recorder", Ct);
        Assert.Equal(PluginStates.Failed, status!.Status);
        Assert.Contains("does not declare", status.LastError);
    }

    [Fact]
    public async Task Binary_frame_is_dropped_with_a_diagnostic_and_the_connection_kept()
    {
        await using var server = await LoopbackWebSocketServer.StartAsync(Ct);
        var (host, plugin, connection) = await StartConnectedAsync(server);

        await connection.Socket.SendAsync(new byte[] { 1, 2, 3 }, WebSocketMessageType.Binary, true, Ct);
        await connection.SendTextAsync("after binary", Ct);

        Assert.Equal("after binary", (await plugin.WaitForKindAsync(PluginIngressKinds.WebSocketMessage, Ct)).Text);
        var status = host.GetStatus("recorder")!;
        Assert.Equal(1, status.Connections[0].BinaryFrames);
        Assert.Equal(ConnectionStates.Connected, status.Connections[0].State);
        Assert.Contains(status.Diagnostics, d => d.Code == PluginDiagnosticCodes.BinaryFrameUnsupported);
        await host.StopAsync(Ct);
    }

    [Fact]
    public async Task Oversized_incoming_message_closes_with_1009_and_a_diagnostic()
    {
        await using var server = await LoopbackWebSocketServer.StartAsync(Ct);
        var (host, plugin, connection) = await StartConnectedAsync(server, null, ("Runtime:Plugins:recorder:MaxMessageBytes", "1024"));

        await connection.SendTextAsync(new string('a', 4096), Ct);

        Assert.Null(await connection.ReceiveTextAsync(Ct));
        Assert.Equal(WebSocketCloseStatus.MessageTooBig, connection.Socket.CloseStatus);
        var closed = await plugin.WaitForKindAsync(PluginIngressKinds.WebSocketClosed, Ct);
        Assert.Equal(1009, closed.Status);
        await plugin.WaitForKindAsync(PluginIngressKinds.ReconnectNeeded, Ct);
        var status = host.GetStatus("recorder")!;
        Assert.Equal(1, status.Connections[0].OversizeMessages);
        Assert.Equal(0, status.Connections[0].FramesIn);
        Assert.Contains(status.Diagnostics, d => d.Code == PluginDiagnosticCodes.MessageTooLarge);
        await host.StopAsync(Ct);
    }

    [Fact]
    public async Task Server_close_gives_closed_state_and_a_closed_ingress_event()
    {
        await using var server = await LoopbackWebSocketServer.StartAsync(Ct);
        var (host, plugin, connection) = await StartConnectedAsync(server);

        await connection.Socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, "bye", Ct);

        var closed = await plugin.WaitForKindAsync(PluginIngressKinds.WebSocketClosed, Ct);
        Assert.Equal((1000, "bye"), (closed.Status, closed.Description));
        var needed = await plugin.WaitForKindAsync(PluginIngressKinds.ReconnectNeeded, Ct);
        Assert.Equal("feed", needed.Target);
        var status = host.GetStatus("recorder")!;
        Assert.Equal(ConnectionStates.Closed, status.Connections[0].State);
        await host.DiagnosticAsync("recorder", PluginDiagnosticCodes.ReconnectNeeded);

        var send = await plugin.Context!.ExecuteAsync(new WebSocketSendCommand("feed", "too late"), Ct);
        Assert.Equal(PluginCommandCodes.NotConnected, send.Code);
        Assert.Equal(1, host.Connection("recorder", "feed").SendFailures);
        await host.StopAsync(Ct);
    }

    [Fact]
    public async Task Server_crash_gives_failed_state_with_last_error_and_an_error_ingress_event()
    {
        var server = await LoopbackWebSocketServer.StartAsync(Ct);
        var (host, plugin, _) = await StartConnectedAsync(server);

        await server.CrashAsync();

        var error = await plugin.WaitForKindAsync(PluginIngressKinds.WebSocketError, Ct);
        Assert.Equal("feed", error.Target);
        var status = host.Connection("recorder", "feed");
        Assert.Equal(ConnectionStates.Failed, status.State);
        Assert.NotNull(status.LastError);
        Assert.DoesNotContain("?", status.LastError);
        Assert.DoesNotContain("pong", status.LastError); // a crash is not reported as a keep-alive timeout
        await plugin.WaitForKindAsync(PluginIngressKinds.ReconnectNeeded, Ct);
        await host.StopAsync(Ct);
        await server.DisposeAsync();
    }

    /// <summary>A ping every 0.2 s, a pong expected within 0.5 s.</summary>
    private static readonly (string, string)[] FastKeepAlive =
    [
        ("Runtime:Plugins:recorder:KeepAliveInterval", "00:00:00.2"),
        ("Runtime:Plugins:recorder:KeepAliveTimeout", "00:00:00.5"),
    ];

    // A live peer answers within microseconds, but a loaded CI machine can stall either side for a while: the
    // "stays connected" proof pings as often, with a timeout no scheduling stall reaches.
    private static readonly (string, string)[] FastPingsPatientTimeout =
    [
        ("Runtime:Plugins:recorder:KeepAliveInterval", "00:00:00.2"),
        ("Runtime:Plugins:recorder:KeepAliveTimeout", "00:00:05"),
    ];

    [Fact]
    public async Task Server_that_stops_answering_pings_gives_failed_state_with_a_pong_timeout_error()
    {
        // Accepts, then never reads: the client's pings are never answered.
        await using var server = await LoopbackWebSocketServer.StartAsync(Ct, read: false);
        var (host, plugin, _) = await StartConnectedAsync(server, null, FastKeepAlive);

        var error = await plugin.WaitForKindAsync(PluginIngressKinds.WebSocketError, Ct);
        Assert.Equal("connection lost: no pong within 0.5 s of a ping (keep-alive timeout)", error.Description);
        var status = host.GetStatus("recorder")!;
        Assert.Equal(ConnectionStates.Failed, status.Connections[0].State);
        Assert.Equal(error.Description, status.Connections[0].LastError);
        await host.DiagnosticAsync("recorder", PluginDiagnosticCodes.ConnectionError, d => d.Message.Contains("no pong"));
        await plugin.WaitForKindAsync(PluginIngressKinds.ReconnectNeeded, Ct);
        await host.StopAsync(Ct);
    }

    [Fact]
    public async Task Pong_timeout_reconnects_when_the_manifest_opts_in()
    {
        var policy = new ReconnectPolicy(true, TimeSpan.FromMilliseconds(100), TimeSpan.FromMilliseconds(400));
        await using var server = await LoopbackWebSocketServer.StartAsync(Ct, read: false);
        var (host, plugin, _) = await StartConnectedAsync(server, policy, FastKeepAlive);

        Assert.Contains("no pong", (await plugin.WaitForKindAsync(PluginIngressKinds.WebSocketError, Ct)).Description);
        Assert.Equal(1, (await plugin.WaitForKindAsync(PluginIngressKinds.WebSocketReconnecting, Ct)).Attempt);
        await server.AcceptAsync(Ct);
        await plugin.WaitForKindAsync(PluginIngressKinds.WebSocketConnected, Ct);
        Assert.True(host.Connection("recorder", "feed").Reconnects >= 1);
        await host.StopAsync(Ct);
    }

    [Fact]
    public async Task Server_that_answers_pings_stays_connected_across_many_keepalive_intervals()
    {
        await using var server = await LoopbackWebSocketServer.StartAsync(Ct); // reads, so it answers every ping
        var (host, plugin, connection) = await StartConnectedAsync(server, null, FastPingsPatientTimeout);

        await Task.Delay(TimeSpan.FromSeconds(3), Ct); // 15 ping intervals
        await connection.SendTextAsync("still here", Ct);

        Assert.Equal("still here", (await plugin.WaitForKindAsync(PluginIngressKinds.WebSocketMessage, Ct)).Text);
        var status = host.GetStatus("recorder")!;
        Assert.Equal(ConnectionStates.Connected, status.Connections[0].State);
        Assert.Null(status.Connections[0].LastError);
        Assert.DoesNotContain(status.Diagnostics, d => d.Code == PluginDiagnosticCodes.ConnectionError);
        await host.StopAsync(Ct);
    }

    [Fact]
    public async Task Reconnect_policy_reconnects_after_the_server_comes_back()
    {
        var policy = new ReconnectPolicy(true, TimeSpan.FromMilliseconds(100), TimeSpan.FromMilliseconds(400));
        var server = await LoopbackWebSocketServer.StartAsync(Ct);
        var port = server.Port;
        var (host, plugin, _) = await StartConnectedAsync(server, policy);

        await server.CrashAsync();
        await server.DisposeAsync();
        await plugin.WaitForKindAsync(PluginIngressKinds.WebSocketError, Ct);
        var reconnecting = await plugin.WaitForKindAsync(PluginIngressKinds.WebSocketReconnecting, Ct);
        Assert.Equal(1, reconnecting.Attempt);

        await using var revived = await LoopbackWebSocketServer.StartAsync(Ct, port);
        var connection = await revived.AcceptAsync(Ct);
        await plugin.WaitForKindAsync(PluginIngressKinds.WebSocketConnected, Ct);
        await connection.SendTextAsync("back again", Ct);
        Assert.Equal("back again", (await plugin.WaitForKindAsync(PluginIngressKinds.WebSocketMessage, Ct)).Text);
        var status = host.Connection("recorder", "feed");
        Assert.Equal(ConnectionStates.Connected, status.State);
        Assert.True(status.Reconnects >= 1);
        await host.StopAsync(Ct);
    }

    [Fact]
    public async Task Reconnect_gives_up_after_max_attempts_with_failed_state()
    {
        var policy = new ReconnectPolicy(true, TimeSpan.FromMilliseconds(50), TimeSpan.FromMilliseconds(100), MaxAttempts: 2);
        var server = await LoopbackWebSocketServer.StartAsync(Ct);
        var (host, plugin, _) = await StartConnectedAsync(server, policy);

        await server.CrashAsync();
        await server.DisposeAsync();

        var needed = await plugin.WaitForKindAsync(PluginIngressKinds.ReconnectNeeded, Ct);
        Assert.Equal("reconnect attempts exhausted", needed.Description);
        var status = host.GetStatus("recorder")!;
        Assert.Equal(ConnectionStates.Failed, status.Connections[0].State);
        Assert.Equal(2, status.Connections[0].Reconnects);
        await host.DiagnosticAsync("recorder", PluginDiagnosticCodes.ReconnectExhausted);
        await host.StopAsync(Ct);
    }

    [Fact]
    public async Task Full_ingress_queue_drops_with_a_counter()
    {
        await using var server = await LoopbackWebSocketServer.StartAsync(Ct);
        var (host, plugin, connection) = await StartConnectedAsync(server, null, ("Runtime:Plugins:recorder:IngressCapacity", "2"));
        plugin.Gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

        await connection.SendTextAsync("m0", Ct);
        await plugin.WaitForAsync(e => e.Text == "m0", Ct); // the loop now holds m0 at the gate
        for (var i = 1; i <= 10; i++) await connection.SendTextAsync($"m{i}", Ct);

        await Eventually.ValueAsync(() => host.GetStatus("recorder")!.Ingress.Drops, n => n == 8, "8 ingress drops");
        var ingress = host.GetStatus("recorder")!.Ingress;
        Assert.Equal((2, 2), (ingress.Capacity, ingress.Depth));
        Assert.Contains(host.GetStatus("recorder")!.Diagnostics, d => d.Code == PluginDiagnosticCodes.IngressDropped);

        plugin.Gate.SetResult();
        Assert.Equal("m1", (await plugin.WaitForKindAsync(PluginIngressKinds.WebSocketMessage, Ct)).Text);
        Assert.Equal("m2", (await plugin.WaitForKindAsync(PluginIngressKinds.WebSocketMessage, Ct)).Text);
        await host.StopAsync(Ct);
    }

    [Fact]
    public async Task Full_outgoing_queue_drops_with_a_counter()
    {
        await using var server = await LoopbackWebSocketServer.StartAsync(Ct, read: false);
        var (host, plugin, _) = await StartConnectedAsync(server, null,
            ("Runtime:Plugins:recorder:OutgoingQueueCapacity", "4"), ("Runtime:Plugins:recorder:MaxMessageBytes", "65536"));

        // The server never reads: once the socket buffers fill, the sender blocks and the queue overflows.
        var big = new string('z', 60_000);
        var refused = 0;
        for (var i = 0; i < 400 && refused == 0; i++)
        {
            var result = await plugin.Context!.ExecuteAsync(new WebSocketSendCommand("feed", big), Ct);
            if (!result.Accepted)
            {
                Assert.Equal(PluginCommandCodes.QueueFull, result.Code);
                refused++;
            }
        }
        Assert.Equal(1, refused);
        var status = host.Connection("recorder", "feed");
        Assert.Equal(1, status.QueueDrops);
        // Bounded by the capacity; the blocked sender may still take one more as the socket buffers drain.
        Assert.InRange(status.QueueDepth, 1, 4);
        Assert.Contains(host.GetStatus("recorder")!.Diagnostics, d => d.Code == PluginDiagnosticCodes.QueueDropped);
        await host.StopAsync(Ct);
    }
}
