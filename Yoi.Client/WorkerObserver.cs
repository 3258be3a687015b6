using System.Buffers;
using System.Net.WebSockets;
using System.Runtime.CompilerServices;
using Yoi.Protocol;
using Yoi.Protocol.Cursors;
using Yoi.Protocol.Envelopes;

namespace Yoi.Client;

public sealed class WorkerObserverOptions
{
    /// <summary>Reconnect after a server-side close (1001, 4408) or a network error. Default true.</summary>
    public bool Reconnect { get; set; } = true;
    /// <summary>Consecutive failed connection attempts before giving up (the last error is thrown).</summary>
    public int MaxConnectAttempts { get; set; } = 10;
    public TimeSpan InitialDelay { get; set; } = TimeSpan.FromMilliseconds(100);
    public TimeSpan MaxDelay { get; set; } = TimeSpan.FromSeconds(2);
    /// <summary>Largest frame accepted from the server.</summary>
    public int MaxFrameBytes { get; set; } = 16 * 1024 * 1024;
    /// <summary>Lets a caller configure each new socket (headers, proxy, keep-alive).</summary>
    public Action<ClientWebSocketOptions>? ConfigureSocket { get; set; }
}

/// <summary>
/// A resumable observation WebSocket (SPEC 5.3). Yields <see cref="EventFrame"/>, <see cref="SnapshotFrame"/> and
/// <see cref="DiagnosticFrame"/> in order; remembers the last cursor and, after a server-side close (1001, 4408) or a
/// network error, reconnects with it. It never yields an event at or below the last cursor, so no event is seen twice.
/// It stops (without reconnecting) after a normal close and after 4400, 4403, 4404 and 1009: retrying cannot help.
/// </summary>
public sealed class WorkerObserver(Uri uri, string? apiKey, StreamCursor? cursor, WorkerObserverOptions? options = null)
{
    private readonly WorkerObserverOptions _options = options ?? new WorkerObserverOptions();

    /// <summary>The cursor of the last event or snapshot yielded (what a reconnect resumes from).</summary>
    public StreamCursor? LastCursor { get; private set; } = cursor;
    /// <summary>The close status of the last connection, when the server closed it.</summary>
    public WebSocketCloseStatus? LastCloseStatus { get; private set; }
    /// <summary>Connections opened after the first.</summary>
    public int Reconnects { get; private set; }

    public async IAsyncEnumerable<ObservationFrame> ReadAllAsync([EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var first = true;
        while (true)
        {
            using var socket = await ConnectAsync(cancellationToken);
            if (!first) Reconnects++;
            first = false;
            var buffer = new ArrayBufferWriter<byte>(4096);
            while (true)
            {
                var (frame, closed, error) = await ReceiveAsync(socket, buffer, cancellationToken);
                if (frame is not null)
                {
                    switch (frame)
                    {
                        case EventFrame e when LastCursor is { } last && e.Cursor <= last:
                            continue;
                        case EventFrame e:
                            LastCursor = e.Cursor;
                            break;
                        case SnapshotFrame s:
                            LastCursor = s.Cursor;
                            break;
                        case RuntimeSnapshotFrame r:
                            LastCursor = r.Cursor;
                            break;
                    }
                    yield return frame;
                    continue;
                }
                if (closed)
                {
                    LastCloseStatus = socket.CloseStatus;
                    if (!_options.Reconnect || !ShouldReconnect(socket.CloseStatus)) yield break;
                }
                else if (error is not null && !_options.Reconnect)
                {
                    throw error;
                }
                break;
            }
        }
    }

    private static bool ShouldReconnect(WebSocketCloseStatus? status) => status switch
    {
        WebSocketCloseStatus.EndpointUnavailable => true, // 1001
        (WebSocketCloseStatus)4408 => true,
        WebSocketCloseStatus.InternalServerError => true,
        null => true,
        _ => false, // 1000, 1009, 4400, 4403, 4404, ...
    };

    private async Task<ClientWebSocket> ConnectAsync(CancellationToken cancellationToken)
    {
        var delay = _options.InitialDelay;
        for (var attempt = 1; ; attempt++)
        {
            var socket = new ClientWebSocket();
            if (apiKey is not null) socket.Options.SetRequestHeader("Authorization", "Bearer " + apiKey);
            _options.ConfigureSocket?.Invoke(socket.Options);
            var target = LastCursor is { } c ? new Uri(uri + (uri.Query.Length > 0 ? "&" : "?") + "cursor=" + c) : uri;
            try
            {
                await socket.ConnectAsync(target, cancellationToken);
                return socket;
            }
            catch (Exception ex) when (ex is WebSocketException or HttpRequestException && attempt < _options.MaxConnectAttempts
                && !cancellationToken.IsCancellationRequested)
            {
                socket.Dispose();
                await Task.Delay(delay, cancellationToken);
                delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, _options.MaxDelay.Ticks));
            }
            catch
            {
                socket.Dispose();
                throw;
            }
        }
    }

    private async Task<(ObservationFrame? Frame, bool Closed, Exception? Error)> ReceiveAsync(ClientWebSocket socket,
        ArrayBufferWriter<byte> buffer, CancellationToken cancellationToken)
    {
        buffer.ResetWrittenCount();
        try
        {
            while (true)
            {
                var result = await socket.ReceiveAsync(buffer.GetMemory(4096), cancellationToken);
                if (result.MessageType == WebSocketMessageType.Close)
                {
                    if (socket.State == WebSocketState.CloseReceived)
                    {
                        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(2));
                        await socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, "", timeout.Token)
                            .ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
                    }
                    return (null, true, null);
                }
                buffer.Advance(result.Count);
                if (buffer.WrittenCount > _options.MaxFrameBytes)
                    throw new ProtocolFormatException($"A frame is larger than {_options.MaxFrameBytes} bytes.");
                if (result.EndOfMessage) return (ObservationFrame.Parse(buffer.WrittenSpan), false, null);
            }
        }
        catch (WebSocketException ex)
        {
            return (null, false, ex);
        }
    }
}
