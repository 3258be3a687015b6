using System.Buffers.Text;
using System.Diagnostics;
using System.Net.WebSockets;
using System.Text.Json;
using Yoi.Protocol.Cursors;
using Yoi.Protocol.Envelopes;
using Yoi.Protocol.Events;

namespace Yoi.Benchmarks;

/// <summary>What the clients of one scenario share: the producer's send times, the latency histogram, counters.</summary>
internal sealed class DeliveryTracker(long[]? sendTimes)
{
    private LatencyHistogram _latency = new();
    private long _delivered;

    public long[]? SendTimes { get; } = sendTimes;
    public LatencyHistogram Latency => Volatile.Read(ref _latency);
    public long Delivered => Interlocked.Read(ref _delivered);

    /// <summary>Starts a new latency window; returns it.</summary>
    public LatencyHistogram NewWindow()
    {
        var window = new LatencyHistogram();
        Volatile.Write(ref _latency, window);
        return window;
    }

    public void OnDelivered(long seq, long receivedAt)
    {
        Interlocked.Increment(ref _delivered);
        if (SendTimes is { } times && seq < times.Length)
        {
            var sent = Volatile.Read(ref times[seq]);
            if (sent != 0) Latency.RecordTicks(receivedAt - sent);
        }
    }
}

/// <summary>
/// One observation WebSocket client. Each event frame is parsed (fully with <see cref="ObservationFrame.Parse"/>, or,
/// for the 1,000-client fan-out where the load generator shares the 2 cores with the Backend, with a lean
/// <see cref="Utf8JsonReader"/> scan of <c>cursor</c> and <c>payload.data.text</c>); the sequence in the text is checked
/// for gaps and duplicates; after 4408 or 1001 it reconnects with its last cursor like <c>WorkerObserver</c>.
/// </summary>
internal sealed class BenchSocket(Uri uri, DeliveryTracker tracker, bool fullParse, StreamCursor? cursor = null)
{
    private readonly TaskCompletionSource _started = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private StreamCursor? _last = cursor;
    private long _next = -1; // next expected sequence; -1 until the first

    public Task Started => _started.Task;
    public long Received;
    public long Duplicates;
    public long Lost;
    public int Reconnects;
    public int SlowConsumer;
    public string? Error;
    public long FirstSeq = -1;
    public long LastSeq = -1;
    /// <summary>Expect the sequence to start here (a gap before the first event is a loss).</summary>
    public long ExpectFrom { get; init; } = -1;
    public long LastReceivedAt;
    /// <summary>Started once the handshake completes (the bare-Kestrel floor sends no snapshot).</summary>
    public bool StartOnConnect { get; init; }

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        var buffer = new byte[64 * 1024];
        try
        {
            var attempts = 0;
            while (!cancellationToken.IsCancellationRequested)
            {
                using var socket = new ClientWebSocket();
                socket.Options.KeepAliveInterval = TimeSpan.Zero;
                var target = _last is { } c ? new Uri(uri + "?cursor=" + c) : uri;
                try
                {
                    await socket.ConnectAsync(target, cancellationToken);
                }
                catch (Exception ex) when (ex is WebSocketException or HttpRequestException && ++attempts < 10 && !cancellationToken.IsCancellationRequested)
                {
                    await Task.Delay(200 * attempts, cancellationToken);
                    continue;
                }
                if ((_last is not null || StartOnConnect) && !_started.Task.IsCompleted) _started.TrySetResult(); // resuming: subscribed before replay
                var reconnect = await ReceiveAsync(socket, buffer, cancellationToken);
                if (!reconnect) return;
                Reconnects++;
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested) { }
        catch (Exception ex)
        {
            Error ??= ex.GetType().Name + ": " + ex.Message;
            _started.TrySetException(ex);
        }
        finally
        {
            _started.TrySetResult();
        }
    }

    private async Task<bool> ReceiveAsync(ClientWebSocket socket, byte[] buffer, CancellationToken cancellationToken)
    {
        while (true)
        {
            var count = 0;
            ValueWebSocketReceiveResult result;
            try
            {
                do
                {
                    if (count == buffer.Length) Array.Resize(ref buffer, buffer.Length * 2);
                    result = await socket.ReceiveAsync(buffer.AsMemory(count), cancellationToken);
                    count += result.Count;
                } while (!result.EndOfMessage);
            }
            catch (WebSocketException)
            {
                return !cancellationToken.IsCancellationRequested; // network error: resume
            }
            if (result.MessageType == WebSocketMessageType.Close)
            {
                var status = socket.CloseStatus;
                if (status == (WebSocketCloseStatus)4408) SlowConsumer++;
                try
                {
                    await socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, "", CancellationToken.None);
                }
                catch (WebSocketException) { }
                if (status is (WebSocketCloseStatus)4408 or WebSocketCloseStatus.EndpointUnavailable) return true;
                if (!cancellationToken.IsCancellationRequested) Error ??= $"closed {(int?)status} {socket.CloseStatusDescription}";
                return false;
            }
            var now = Stopwatch.GetTimestamp();
            OnFrame(buffer.AsSpan(0, count), now);
        }
    }

    private void OnFrame(ReadOnlySpan<byte> frame, long now)
    {
        StreamCursor frameCursor;
        long seq;
        if (fullParse)
        {
            switch (ObservationFrame.Parse(frame))
            {
                case EventFrame e:
                    frameCursor = e.Cursor;
                    if (e.Payload is not TextDeltaEvent t || t.Text.Length < 2 || t.Text[0] != '#' || !long.TryParse(t.Text.AsSpan(1), out seq))
                    {
                        _last = e.Cursor;
                        return;
                    }
                    break;
                case SnapshotFrame s:
                    _last = s.Cursor;
                    _started.TrySetResult();
                    return;
                case DiagnosticFrame d:
                    if (d.Code != "slow_consumer") Error ??= "diagnostic " + d.Code;
                    return;
                default:
                    return;
            }
        }
        else if (!LeanParse(frame, out frameCursor, out seq))
        {
            return;
        }
        if (_last is { } last && frameCursor <= last)
        {
            Duplicates++;
            return;
        }
        _last = frameCursor;
        if (_next < 0)
        {
            _next = ExpectFrom >= 0 ? ExpectFrom : seq;
            FirstSeq = seq;
        }
        if (seq < _next)
        {
            Duplicates++;
            return;
        }
        if (seq > _next) Lost += seq - _next;
        _next = seq + 1;
        LastSeq = seq;
        Received++;
        Volatile.Write(ref LastReceivedAt, now);
        tracker.OnDelivered(seq, now);
    }

    /// <summary>Reads kind, cursor and payload.data.text (<c>#seq</c>); snapshot and diagnostic frames are handled here.</summary>
    private bool LeanParse(ReadOnlySpan<byte> frame, out StreamCursor frameCursor, out long seq)
    {
        frameCursor = default;
        seq = -1;
        var reader = new Utf8JsonReader(frame);
        reader.Read();
        var kind = 0; // 1 event, 2 snapshot, 3 diagnostic
        var depth = 0;
        var inPayload = false;
        var inData = false;
        while (reader.Read())
        {
            switch (reader.TokenType)
            {
                case JsonTokenType.PropertyName when depth == 0:
                    if (reader.ValueTextEquals("kind"u8))
                    {
                        reader.Read();
                        kind = reader.ValueTextEquals("event"u8) ? 1 : reader.ValueTextEquals("snapshot"u8) ? 2 : 3;
                    }
                    else if (reader.ValueTextEquals("cursor"u8))
                    {
                        reader.Read();
                        StreamCursor.TryParse(reader.ValueSpan, out frameCursor);
                    }
                    else if (reader.ValueTextEquals("payload"u8))
                    {
                        inPayload = true;
                    }
                    else if (reader.ValueTextEquals("code"u8))
                    {
                        reader.Read();
                        if (!reader.ValueTextEquals("slow_consumer"u8)) Error ??= "diagnostic " + reader.GetString();
                    }
                    else
                    {
                        reader.Read();
                        reader.Skip();
                    }
                    break;
                case JsonTokenType.PropertyName when depth == 1 && inPayload:
                    inData = reader.ValueTextEquals("data"u8);
                    if (!inData)
                    {
                        reader.Read();
                        reader.Skip();
                    }
                    break;
                case JsonTokenType.PropertyName when depth == 2 && inData:
                    if (reader.ValueTextEquals("text"u8))
                    {
                        reader.Read();
                        var text = reader.ValueSpan;
                        if (text.Length > 1 && text[0] == (byte)'#' && Utf8Parser.TryParse(text[1..], out long value, out var used) && used == text.Length - 1)
                            seq = value;
                    }
                    else
                    {
                        reader.Read();
                        reader.Skip();
                    }
                    break;
                case JsonTokenType.StartObject:
                    depth++;
                    break;
                case JsonTokenType.EndObject:
                    depth--;
                    if (depth == 0) inPayload = false;
                    if (depth == 1) inData = false;
                    break;
            }
        }
        if (kind == 2)
        {
            _last = frameCursor;
            _started.TrySetResult();
            return false;
        }
        if (kind != 1) return false;
        if (seq < 0)
        {
            _last = frameCursor;
            return false;
        }
        return true;
    }
}
