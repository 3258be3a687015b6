using System.Buffers;
using System.Net.WebSockets;
using System.Runtime.CompilerServices;
using Yoi.Protocol;
using Yoi.Protocol.Cursors;
using Yoi.Protocol.Envelopes;

namespace Yoi.Client.Observation;

/// <summary>
/// A resumable observation WebSocket (docs/protocol.md): yields <see cref="EventFrame"/>, snapshot frames and
/// <see cref="DiagnosticFrame"/> in order; remembers the last cursor and, after a server-side close it may recover from
/// (1001, 1011, 4408) or a network error, reconnects with it. It never yields an event at or below the last cursor, so
/// no event is seen twice. It stops (without reconnecting) after a normal close and after 1009, 4400, 4403 and 4404:
/// retrying cannot help.
/// </summary>
/// <remarks>
/// An observer is one stream with one position: it can be enumerated once. A second enumeration throws
/// <see cref="InvalidOperationException"/> rather than silently opening a second connection that would start over;
/// to resume later, observe again from <see cref="LastCursor"/>.
/// </remarks>
public abstract class Observer : IAsyncEnumerable<ObservationFrame>
{
    private readonly Uri _uri;
    private readonly string? _apiKey;
    private readonly ObserverOptions _options;
    private int _enumerated;

    private protected Observer(Uri uri, string? apiKey, StreamCursor? cursor, ObserverOptions? options)
    {
        _uri = uri;
        _apiKey = apiKey;
        _options = options ?? new ObserverOptions();
        LastCursor = cursor;
    }

    /// <summary>The cursor of the last event or snapshot yielded (what a reconnect resumes from).</summary>
    public StreamCursor? LastCursor { get; private set; }
    /// <summary>The close status of the last connection, when the server closed it.</summary>
    public WebSocketCloseStatus? LastCloseStatus { get; private set; }
    /// <summary>Connections opened after the first.</summary>
    public int Reconnects { get; private set; }

    public IAsyncEnumerator<ObservationFrame> GetAsyncEnumerator(CancellationToken cancellationToken = default) =>
        ReadAllAsync(cancellationToken).GetAsyncEnumerator(cancellationToken);

    /// <summary>Every frame until the server ends the stream for good or <paramref name="cancellationToken"/> fires.</summary>
    public async IAsyncEnumerable<ObservationFrame> ReadAllAsync([EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        if (Interlocked.Exchange(ref _enumerated, 1) == 1)
            throw new InvalidOperationException(
                "This observer was already enumerated; observe again from its LastCursor to resume in another loop.");
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
                    OnFrame(frame);
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

    /// <summary>Called for every frame before it is yielded (a subclass keeps its view of the stream up to date).</summary>
    private protected virtual void OnFrame(ObservationFrame frame) { }

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
            if (_apiKey is not null) socket.Options.SetRequestHeader("Authorization", "Bearer " + _apiKey);
            _options.ConfigureSocket?.Invoke(socket.Options);
            var target = LastCursor is { } c ? new Uri(_uri + (_uri.Query.Length > 0 ? "&" : "?") + "cursor=" + c) : _uri;
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
