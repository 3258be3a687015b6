using System.Text.Json;
using Microsoft.AspNetCore.Http;

namespace Yoi.Tests.Runtime;

/// <summary>
/// A local OpenAI-compatible Chat Completions endpoint (Kestrel on 127.0.0.1:0) streaming server-sent events.
/// </summary>
internal sealed class FakeOpenAiServer : FakeModelServer
{
    private FakeOpenAiServer() : base("/v1/chat/completions")
    {
    }

    public string BaseUrl => Address + "/v1";

    public static Task<FakeOpenAiServer> StartAsync() => StartAsync(new FakeOpenAiServer());

    /// <summary>
    /// Answers with these SSE <c>data:</c> payloads, then <c>[DONE]</c> unless <paramref name="done"/> is false. A complete
    /// stream (<paramref name="done"/>) whose chunks have no <see cref="Finish"/> gets a <c>stop</c> one before <c>[DONE]</c>,
    /// as a real server sends; a stream cut off (not <paramref name="done"/>) gets none.
    /// </summary>
    public void EnqueueStream(IEnumerable<string> chunks, bool done = true) => Enqueue(async context =>
    {
        context.Response.ContentType = "text/event-stream";
        var finished = false;
        foreach (var chunk in chunks)
        {
            finished |= chunk.Contains("\"finish_reason\"", StringComparison.Ordinal);
            await context.Response.WriteAsync($"data: {chunk}\n\n");
            await context.Response.Body.FlushAsync();
        }
        if (!done) return;
        if (!finished) await context.Response.WriteAsync($"data: {Finish()}\n\n");
        await context.Response.WriteAsync("data: [DONE]\n\n");
    });

    public static string Content(string text) => JsonSerializer.Serialize(new { choices = new[] { new { index = 0, delta = new { content = text } } } });

    /// <summary>A <c>delta.reasoning_content</c> chunk, as reasoning models on compatible servers (vLLM, DeepSeek) send it.</summary>
    public static string Reasoning(string text) =>
        JsonSerializer.Serialize(new { choices = new[] { new { index = 0, delta = new { reasoning_content = text } } } });

    /// <summary>The chunk that ends a choice: <c>stop</c> after an answer, <c>tool_calls</c> after calls.</summary>
    public static string Finish(string reason = "stop") =>
        "{\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"" + reason + "\"}]}";

    public static string Usage(int prompt, int completion) =>
        "{\"choices\":[],\"usage\":{\"prompt_tokens\":" + prompt + ",\"completion_tokens\":" + completion + ",\"total_tokens\":" + (prompt + completion) + "}}";

    public static string ToolCallStart(int index, string id, string name) =>
        "{\"choices\":[{\"index\":0,\"delta\":{\"tool_calls\":[{\"index\":" + index + ",\"id\":\"" + id + "\",\"type\":\"function\",\"function\":{\"name\":\"" + name + "\",\"arguments\":\"\"}}]}}]}";

    public static string ToolCallArgs(int index, string fragment) =>
        "{\"choices\":[{\"index\":0,\"delta\":{\"tool_calls\":[{\"index\":" + index + ",\"function\":{\"arguments\":"
        + JsonSerializer.Serialize(fragment) + "}}]}}]}";
}
