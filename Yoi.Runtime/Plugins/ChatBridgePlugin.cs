using Yoi.EventLog.Storage;
using System.Buffers;
using System.Globalization;
using System.Text.Json;
using System.Threading.Channels;
using Microsoft.Extensions.Configuration;
using Yoi.EventLog;
using Yoi.Protocol.Api;
using Yoi.Protocol.Cursors;
using Yoi.Protocol.Events;

namespace Yoi.Runtime.Plugins;

/// <summary>
/// The <c>chat-bridge</c> plugin: each chat message <c>{"type":"message","id","user","text"}</c> arriving on the
/// declared target <c>chat</c> becomes input for one Worker; when that Worker's run ends the bridge sends
/// <c>{"type":"reply","in_reply_to":id,"text":final text,"result":run result}</c> back on <c>chat</c>. Messages are
/// handled one at a time in arrival order from a bounded queue, so a busy Worker (<c>already_running</c>) delays the
/// next message instead of losing it. The final text is the last <c>text_done</c> of the run, read by tailing the
/// Worker's event stream from the position before the input.
/// </summary>
public sealed class ChatBridgePlugin : IServicePlugin
{
    public const string Id = "chat-bridge";
    public const string TargetName = "chat";
    public const int DefaultMaxPending = 64;
    public static readonly TimeSpan DefaultReplyTimeout = TimeSpan.FromMinutes(5);
    private const int MaxMessageIdLength = 256;
    private static readonly TimeSpan TailBlock = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan BusyRecheck = TimeSpan.FromSeconds(5);

    private readonly IEventLog _eventLog;
    private readonly Func<string, string> _workerStream;
    private Channel<ChatMessage>? _pending;
    private Task _loop = Task.CompletedTask;

    /// <param name="eventLog">Where the Worker's events are read from.</param>
    /// <param name="workerStream">The event stream key of a Worker id (<c>StreamKeys.WorkerEvents</c>).</param>
    public ChatBridgePlugin(IEventLog eventLog, Func<string, string> workerStream)
    {
        _eventLog = eventLog;
        _workerStream = workerStream;
    }

    public PluginManifest Manifest { get; } = new(Id, "1.0.0",
        "Bridges a chat service into a Worker: chat messages become Worker input, the Worker's final text is the reply.",
        [new WebSocketTargetDeclaration(TargetName, null, "The chat service's WebSocket gateway: receives chat messages and replies.")],
        new ReconnectPolicy(true, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(30)));

    /// <summary>The Worker the bridge feeds: from <c>Settings:WorkerId</c>, or created at start.</summary>
    public string? WorkerId { get; private set; }

    public async ValueTask StartAsync(IPluginContext context, CancellationToken cancellationToken)
    {
        var settings = context.Settings;
        var prefix = $"{PluginConfiguration.SectionPath}:{context.PluginId}:Settings";
        var maxPending = ReadInt(settings, "MaxPending", DefaultMaxPending, prefix);
        var replyTimeout = ReadTimeSpan(settings, "ReplyTimeout", DefaultReplyTimeout, prefix);
        var workerId = settings["WorkerId"] ?? WorkerId; // a worker created by an earlier start is reused
        if (workerId is not null && !ResourceId.IsValid(workerId))
            throw new InvalidOperationException($"{prefix}:WorkerId: '{workerId}' is not a valid worker id ([A-Za-z0-9_-]{{1,64}}).");
        if (workerId is null)
        {
            var created = await context.ExecuteAsync(
                new WorkerCreateCommand(settings["Provider"], settings["Model"], settings["Instructions"]), cancellationToken).ConfigureAwait(false);
            if (!created.Accepted || created.WorkerId is null)
                throw new InvalidOperationException($"could not create a worker ({created.Code}): {created.Message}");
            workerId = created.WorkerId;
        }
        WorkerId = workerId;
        _pending = Channel.CreateBounded<ChatMessage>(new BoundedChannelOptions(maxPending) { SingleReader = true, SingleWriter = true });
        var stopping = context.Stopping;
        _loop = Task.Run(() => ProcessLoopAsync(_pending.Reader, context, workerId, replyTimeout, stopping), CancellationToken.None);
    }

    public async ValueTask HandleAsync(PluginIngressEvent ingress, IPluginContext context, CancellationToken cancellationToken)
    {
        if (ingress.Kind != PluginIngressKinds.WebSocketMessage || ingress.Target != TargetName || ingress.Text is null) return;
        if (!TryParse(ingress.Text, out var message, out var error))
        {
            if (error is not null) context.ReportDiagnostic("chat_message_invalid", error);
            return;
        }
        if (_pending is null || !_pending.Writer.TryWrite(message))
        {
            context.ReportDiagnostic("chat_queue_full", $"the bridge queue is full; message '{message.Id}' is answered with an error.");
            await SendAsync(context, Error(message.Id, "busy", "too many pending messages"), message.Id, cancellationToken).ConfigureAwait(false);
        }
    }

    public async ValueTask StopAsync(IPluginContext context, CancellationToken cancellationToken)
    {
        _pending?.Writer.TryComplete();
        try { await _loop.WaitAsync(TimeSpan.FromSeconds(5), cancellationToken).ConfigureAwait(false); }
        catch (Exception ex) when (ex is OperationCanceledException or TimeoutException) { }
    }

    private sealed record ChatMessage(string Id, string? User, string Text);

    /// <summary>
    /// True with a message for <c>type: message</c>; false with a null error for other types (ignored); false with an
    /// error for malformed JSON or a message without a string <c>id</c> and <c>text</c>.
    /// </summary>
    private static bool TryParse(string json, out ChatMessage message, out string? error)
    {
        message = null!;
        error = null;
        try
        {
            using var document = JsonDocument.Parse(json, new JsonDocumentOptions { MaxDepth = 32 });
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object) { error = "a chat frame must be a JSON object."; return false; }
            if (!root.TryGetProperty("type", out var type) || type.ValueKind != JsonValueKind.String) { error = "a chat frame needs a string 'type'."; return false; }
            if (!type.ValueEquals("message")) return false;
            if (!root.TryGetProperty("id", out var id) || id.ValueKind != JsonValueKind.String || id.GetString() is not { Length: > 0 and <= MaxMessageIdLength } idText)
            { error = $"a chat message needs a string 'id' of 1 to {MaxMessageIdLength} characters."; return false; }
            if (!root.TryGetProperty("text", out var text) || text.ValueKind != JsonValueKind.String) { error = $"chat message '{idText}' has no string 'text'."; return false; }
            var user = root.TryGetProperty("user", out var u) && u.ValueKind == JsonValueKind.String ? u.GetString() : null;
            message = new ChatMessage(idText, user, text.GetString()!);
            return true;
        }
        catch (JsonException ex)
        {
            error = $"a chat frame is not valid JSON: {ex.Message}";
            return false;
        }
    }

    private async Task ProcessLoopAsync(ChannelReader<ChatMessage> reader, IPluginContext context, string workerId, TimeSpan replyTimeout, CancellationToken ct)
    {
        try
        {
            await foreach (var message in reader.ReadAllAsync(ct).ConfigureAwait(false))
            {
                using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
                timeout.CancelAfter(replyTimeout);
                string reply;
                try
                {
                    reply = await AnswerAsync(message, context, workerId, timeout.Token).ConfigureAwait(false);
                }
                catch (OperationCanceledException) when (!ct.IsCancellationRequested)
                {
                    context.ReportDiagnostic("chat_reply_timeout", $"no run end for message '{message.Id}' within {replyTimeout}.");
                    reply = Error(message.Id, "timeout", "the worker did not finish in time");
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    context.ReportDiagnostic("chat_bridge_error", $"message '{message.Id}': {ex.Message}");
                    reply = Error(message.Id, "internal", "the bridge failed to read the worker's events");
                }
                await SendAsync(context, reply, message.Id, ct).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested) { }
    }

    private async Task<string> AnswerAsync(ChatMessage message, IPluginContext context, string workerId, CancellationToken ct)
    {
        var stream = _workerStream(workerId);
        while (true)
        {
            var before = (await _eventLog.ReadLastAsync(stream, ct).ConfigureAwait(false))?.Cursor ?? StreamCursor.Zero;
            var input = await context.ExecuteAsync(new WorkerInputCommand(workerId, message.Text), ct).ConfigureAwait(false);
            if (input.Accepted) return await ReadReplyAsync(stream, before, input.RunId, message.Id, ct).ConfigureAwait(false);
            if (input.Code != ApiErrorCodes.AlreadyRunning) return Error(message.Id, input.Code ?? "refused", input.Message ?? "input refused");
            await WaitForRunEndAsync(stream, before, ct).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Waits for a run_end after <paramref name="after"/> (the busy run ending), or <see cref="BusyRecheck"/> at most,
    /// so a run that ended just before <paramref name="after"/> cannot stall the queue.
    /// </summary>
    private async Task WaitForRunEndAsync(string stream, StreamCursor after, CancellationToken ct)
    {
        var deadline = DateTime.UtcNow + BusyRecheck;
        while (DateTime.UtcNow < deadline)
        {
            var batches = await _eventLog.TailAsync([new StreamPosition(stream, after)], 256, TailBlock, ct).ConfigureAwait(false);
            foreach (var entry in batches.SelectMany(b => b.Entries))
            {
                if (WorkerEventJson.PeekKind(entry.Payload.Span) == EventKinds.RunEnd) return;
                after = entry.Cursor;
            }
        }
    }

    /// <summary>Tails the worker's stream from before the input to the end of the run the input started.</summary>
    private async Task<string> ReadReplyAsync(string stream, StreamCursor after, string? runId, string messageId, CancellationToken ct)
    {
        var inRun = false;
        var finalText = "";
        while (true)
        {
            var batches = await _eventLog.TailAsync([new StreamPosition(stream, after)], 256, TailBlock, ct).ConfigureAwait(false);
            foreach (var entry in batches.SelectMany(b => b.Entries))
            {
                after = entry.Cursor;
                if (!WorkerEventJson.TryDeserialize(entry.Payload.Span, out var workerEvent, out _)) continue;
                switch (workerEvent)
                {
                    case RunStartEvent start when !inRun && (runId is null || start.RunId == runId):
                        inRun = true;
                        runId = start.RunId;
                        break;
                    case TextDoneEvent done when inRun:
                        finalText = done.Text;
                        break;
                    case RunEndEvent end when inRun && end.RunId == runId:
                        return Reply(messageId, finalText, end.Result);
                }
            }
        }
    }

    /// <summary>Sends a reply; one that is over the frame limit is replaced by a <c>reply_too_large</c> error.</summary>
    private static async ValueTask SendAsync(IPluginContext context, string json, string id, CancellationToken ct)
    {
        var sent = await context.ExecuteAsync(new WebSocketSendCommand(TargetName, json), ct).ConfigureAwait(false);
        if (sent.Code == PluginCommandCodes.MessageTooLarge)
            await context.ExecuteAsync(new WebSocketSendCommand(TargetName, Error(id, "reply_too_large", "the worker's reply exceeds the frame limit")), ct).ConfigureAwait(false);
    }

    private static string Reply(string inReplyTo, string text, string result) => Write(w =>
    {
        w.WriteString("type", "reply");
        w.WriteString("in_reply_to", inReplyTo);
        w.WriteString("text", text);
        w.WriteString("result", result);
    });

    private static string Error(string inReplyTo, string code, string message) => Write(w =>
    {
        w.WriteString("type", "error");
        w.WriteString("in_reply_to", inReplyTo);
        w.WriteString("code", code);
        w.WriteString("message", message);
    });

    private static string Write(Action<Utf8JsonWriter> body)
    {
        var buffer = new ArrayBufferWriter<byte>(256);
        using (var writer = new Utf8JsonWriter(buffer, WorkerEventJson.WriterOptions))
        {
            writer.WriteStartObject();
            body(writer);
            writer.WriteEndObject();
        }
        return System.Text.Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    private static int ReadInt(IConfiguration settings, string key, int fallback, string prefix)
    {
        var text = settings[key];
        if (text is null) return fallback;
        return int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var value) && value is > 0 and <= 100_000
            ? value
            : throw new InvalidOperationException($"{prefix}:{key}: '{text}' is not an integer between 1 and 100000.");
    }

    private static TimeSpan ReadTimeSpan(IConfiguration settings, string key, TimeSpan fallback, string prefix)
    {
        var text = settings[key];
        if (text is null) return fallback;
        return TimeSpan.TryParse(text, CultureInfo.InvariantCulture, out var value) && value > TimeSpan.Zero
            ? value
            : throw new InvalidOperationException($"{prefix}:{key}: '{text}' is not a positive time span (hh:mm:ss).");
    }
}
