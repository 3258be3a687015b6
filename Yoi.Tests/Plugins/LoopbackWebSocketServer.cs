using System.Net.WebSockets;
using System.Text;
using System.Threading.Channels;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Yoi.Tests.Plugins;

/// <summary>
/// A Kestrel WebSocket server on 127.0.0.1 for plugin tests: every accepted socket is handed to the test
/// (<see cref="AcceptAsync"/>), which drives it directly; the request stays open until the test releases or aborts it.
/// </summary>
internal sealed class LoopbackWebSocketServer : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly Channel<ServerConnection> _accepted = Channel.CreateUnbounded<ServerConnection>();
    private readonly List<ServerConnection> _all = [];

    private readonly bool _read;

    private LoopbackWebSocketServer(WebApplication app, bool read)
    {
        _app = app;
        _read = read;
    }

    public int Port { get; private set; }
    public Uri Url => new($"ws://127.0.0.1:{Port}/ws");

    /// <param name="read">
    /// When true (default) each connection reads continuously: text goes to <see cref="ServerConnection.ReceiveTextAsync"/>
    /// and a client's close is answered at once. False leaves the socket unread (to let the client's sends back up).
    /// </param>
    public static async Task<LoopbackWebSocketServer> StartAsync(CancellationToken ct, int port = 0, bool read = true)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls($"http://127.0.0.1:{port}");
        builder.WebHost.UseShutdownTimeout(TimeSpan.FromSeconds(1));
        var app = builder.Build();
        var server = new LoopbackWebSocketServer(app, read);
        app.UseWebSockets();
        app.Map("/ws", server.HandleAsync);
        await app.StartAsync(ct);
        server.Port = new Uri(app.Urls.Single()).Port;
        return server;
    }

    private async Task HandleAsync(HttpContext context)
    {
        if (!context.WebSockets.IsWebSocketRequest)
        {
            context.Response.StatusCode = 400;
            return;
        }
        using var socket = await context.WebSockets.AcceptWebSocketAsync();
        var connection = new ServerConnection(socket, context);
        if (_read) connection.StartReading();
        lock (_all) _all.Add(connection);
        _accepted.Writer.TryWrite(connection);
        try { await connection.Released.WaitAsync(context.RequestAborted); }
        catch (OperationCanceledException) { }
    }

    public async Task<ServerConnection> AcceptAsync(CancellationToken ct)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(TimeSpan.FromSeconds(10));
        return await _accepted.Reader.ReadAsync(timeout.Token);
    }

    /// <summary>Aborts every connection (no close handshake), then stops the server: what a crash looks like to a client.</summary>
    public async Task CrashAsync()
    {
        lock (_all)
        {
            foreach (var connection in _all) connection.Abort();
        }
        await _app.StopAsync(CancellationToken.None);
    }

    public async ValueTask DisposeAsync()
    {
        lock (_all)
        {
            foreach (var connection in _all) connection.Release();
        }
        await _app.StopAsync(CancellationToken.None);
        await _app.DisposeAsync();
    }
}

internal sealed class ServerConnection(WebSocket socket, HttpContext context)
{
    private readonly TaskCompletionSource _released = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public WebSocket Socket { get; } = socket;
    public Task Released => _released.Task;

    public Task SendTextAsync(string text, CancellationToken ct) =>
        Socket.SendAsync(Encoding.UTF8.GetBytes(text), WebSocketMessageType.Text, true, ct);

    private Channel<string>? _inbox;

    /// <summary>Reads continuously into an inbox; answers the client's close.</summary>
    public void StartReading()
    {
        _inbox = Channel.CreateUnbounded<string>();
        _ = Task.Run(async () =>
        {
            try
            {
                while (await ReadOneAsync(CancellationToken.None) is { } text) _inbox.Writer.TryWrite(text);
            }
            catch (Exception ex) when (ex is WebSocketException or OperationCanceledException or ObjectDisposedException) { }
            finally { _inbox.Writer.TryComplete(); }
        });
    }

    /// <summary>The next text message, or null when the client closed; bounded by 10 s.</summary>
    public async Task<string?> ReceiveTextAsync(CancellationToken ct)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(TimeSpan.FromSeconds(10));
        if (_inbox is null) return await ReadOneAsync(timeout.Token);
        return await _inbox.Reader.WaitToReadAsync(timeout.Token) && _inbox.Reader.TryRead(out var text) ? text : null;
    }

    private async Task<string?> ReadOneAsync(CancellationToken ct)
    {
        var buffer = new byte[64 * 1024];
        using var message = new MemoryStream();
        while (true)
        {
            var result = await Socket.ReceiveAsync(buffer, ct);
            if (result.MessageType == WebSocketMessageType.Close)
            {
                if (Socket.State == WebSocketState.CloseReceived)
                    await Socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, "", ct);
                return null;
            }
            if (result.MessageType == WebSocketMessageType.Binary) continue;
            message.Write(buffer, 0, result.Count);
            if (result.EndOfMessage) return Encoding.UTF8.GetString(message.ToArray());
        }
    }

    /// <summary>Kills the TCP connection without a close handshake.</summary>
    public void Abort()
    {
        context.Abort();
        _released.TrySetResult();
    }

    public void Release() => _released.TrySetResult();
}
