using System.Buffers;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Http.Features;
using Yoi.Protocol.Cursors;
using Yoi.Protocol.Events;

namespace Yoi.BackendService.AgUi;

/// <summary>
/// Writes AG-UI events as Server-Sent Events: <c>id: &lt;AgUiEventId&gt;</c>, <c>data: &lt;one line of JSON&gt;</c>, a blank
/// line (LF only, as the AG-UI client's parser splits on it). Each group is flushed at once; comments keep an idle
/// stream alive through proxies.
/// </summary>
internal sealed class SseWriter
{
    private static readonly byte[] KeepAlive = ": keep-alive\n\n"u8.ToArray();
    private readonly HttpResponse _response;
    private readonly ArrayBufferWriter<byte> _json = new(1024);
    private readonly MemoryStream _pending = new();

    private SseWriter(HttpResponse response) => _response = response;

    /// <summary>Starts the 200 <c>text/event-stream</c> answer (unbuffered).</summary>
    public static SseWriter Start(HttpContext context)
    {
        var response = context.Response;
        response.StatusCode = StatusCodes.Status200OK;
        response.ContentType = "text/event-stream; charset=utf-8";
        response.Headers.CacheControl = "no-cache, no-store";
        response.Headers["X-Accel-Buffering"] = "no";
        context.Features.Get<IHttpResponseBodyFeature>()?.DisableBuffering();
        return new SseWriter(response);
    }

    /// <summary>Events that all carry the same id (a stream's opening snapshot, a notice).</summary>
    public Task WriteAsync(IReadOnlyList<AgUiEvent> events, StreamCursor cursor, CancellationToken cancellationToken)
    {
        foreach (var e in events) Append(e, new AgUiEventId(cursor, 0));
        return FlushAsync(cancellationToken);
    }

    /// <summary>
    /// The events one worker event became, from the <paramref name="skip"/>-th on: each but the last carries
    /// <c>&lt;cursor&gt;:&lt;n&gt;</c>, the last the cursor.
    /// </summary>
    public Task WriteMappedAsync(IReadOnlyList<AgUiEvent> events, StreamCursor cursor, int skip, CancellationToken cancellationToken)
    {
        for (var i = skip; i < events.Count; i++) Append(events[i], new AgUiEventId(cursor, i == events.Count - 1 ? 0 : i + 1));
        return FlushAsync(cancellationToken);
    }

    /// <summary>How long an <c>EventSource</c> waits before it reconnects (with <c>Last-Event-ID</c>) after the stream ends.</summary>
    public async Task RetryAfterAsync(TimeSpan delay, CancellationToken cancellationToken)
    {
        await _response.Body.WriteAsync(Encoding.ASCII.GetBytes($"retry: {(long)delay.TotalMilliseconds}\n\n"), cancellationToken);
        await _response.Body.FlushAsync(cancellationToken);
    }

    public async Task KeepAliveAsync(CancellationToken cancellationToken)
    {
        await _response.Body.WriteAsync(KeepAlive, cancellationToken);
        await _response.Body.FlushAsync(cancellationToken);
    }

    private void Append(AgUiEvent e, AgUiEventId id)
    {
        _json.ResetWrittenCount();
        using (var writer = new Utf8JsonWriter(_json, WorkerEventJson.WriterOptions))
        {
            JsonSerializer.Serialize(writer, e, AgUiJsonContext.Default.AgUiEvent);
        }
        _pending.Write("id: "u8);
        _pending.Write(Encoding.ASCII.GetBytes(id.ToString()));
        _pending.Write("\ndata: "u8);
        _pending.Write(_json.WrittenSpan);
        _pending.Write("\n\n"u8);
    }

    private async Task FlushAsync(CancellationToken cancellationToken)
    {
        if (_pending.Length == 0) return;
        await _response.Body.WriteAsync(_pending.GetBuffer().AsMemory(0, (int)_pending.Length), cancellationToken);
        _pending.SetLength(0);
        await _response.Body.FlushAsync(cancellationToken);
    }

    /// <summary>One event as the <c>data</c> of an SSE event (tests and docs use the same bytes).</summary>
    public static string Serialize(AgUiEvent e)
    {
        var buffer = new ArrayBufferWriter<byte>(256);
        using (var writer = new Utf8JsonWriter(buffer, WorkerEventJson.WriterOptions))
        {
            JsonSerializer.Serialize(writer, e, AgUiJsonContext.Default.AgUiEvent);
        }
        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }
}
