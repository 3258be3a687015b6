using System.Text.Json;
using Microsoft.AspNetCore.Http;

namespace Yoi.Tests.Runtime;

/// <summary>
/// A local Ollama endpoint (Kestrel on 127.0.0.1:0) serving <c>POST /api/chat</c> in its streaming format: one JSON
/// object per line (NDJSON), the last with <c>done: true</c>, the token counts and the done reason.
/// </summary>
internal sealed class FakeOllamaServer : FakeModelServer
{
    private const string Model = "fake-llama";

    private FakeOllamaServer() : base("/api/chat")
    {
    }

    public string Endpoint => Address;

    public static Task<FakeOllamaServer> StartAsync() => StartAsync(new FakeOllamaServer());

    /// <summary>Answers with these lines, one JSON object each (<see cref="Chunk"/>, <see cref="ToolCalls"/>, <see cref="Done"/>).</summary>
    public void EnqueueStream(IEnumerable<string> lines) => Enqueue(async context =>
    {
        context.Response.ContentType = "application/x-ndjson";
        foreach (var line in lines)
        {
            await context.Response.WriteAsync(line + "\n");
            await context.Response.Body.FlushAsync();
        }
    });

    public static string Chunk(string content = "", string? thinking = null) => Line(false, Message(content, thinking, null));

    /// <summary>A message with complete tool calls, as Ollama sends them (whole, arguments as an object).</summary>
    public static string ToolCalls(params (string Name, object Arguments)[] calls) =>
        Line(false, Message("", null, calls.Select(c => new { function = new { name = c.Name, arguments = c.Arguments } }).ToArray()));

    /// <summary>The last line: <c>done: true</c> with the token counts.</summary>
    public static string Done(int promptTokens, int outputTokens, string reason = "stop") => JsonSerializer.Serialize(new
    {
        model = Model,
        created_at = "2026-12-01T12:00:00Z",
        message = new { role = "assistant", content = "" },
        done = true,
        done_reason = reason,
        total_duration = 1000,
        load_duration = 10,
        prompt_eval_count = promptTokens,
        prompt_eval_duration = 100,
        eval_count = outputTokens,
        eval_duration = 800,
    });

    private static Dictionary<string, object?> Message(string content, string? thinking, object? toolCalls)
    {
        var message = new Dictionary<string, object?> { ["role"] = "assistant", ["content"] = content };
        if (thinking is not null) message["thinking"] = thinking;
        if (toolCalls is not null) message["tool_calls"] = toolCalls;
        return message;
    }

    private static string Line(bool done, Dictionary<string, object?> message) =>
        JsonSerializer.Serialize(new { model = Model, created_at = "2026-12-01T12:00:00Z", message, done });
}
