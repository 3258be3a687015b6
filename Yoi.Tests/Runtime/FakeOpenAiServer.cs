using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Yoi.Tests.Runtime;

/// <summary>
/// A local OpenAI-compatible Chat Completions endpoint (Kestrel on 127.0.0.1:0). Each request is answered by the next
/// scripted responder; the request bodies are kept for assertions.
/// </summary>
internal sealed class FakeOpenAiServer : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly Queue<Func<HttpContext, Task>> _responders = new();

    public List<JsonDocument> Requests { get; } = [];
    public List<string?> Authorizations { get; } = [];

    /// <summary>Completed when a request is aborted by the client (the connection closed before the answer ended).</summary>
    public TaskCompletionSource RequestAborted { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    public string BaseUrl { get; private set; } = "";

    private FakeOpenAiServer()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        _app = builder.Build();
        _app.MapPost("/v1/chat/completions", async context =>
        {
            using var reader = new StreamReader(context.Request.Body);
            var body = await reader.ReadToEndAsync();
            Func<HttpContext, Task> responder;
            lock (_responders)
            {
                Requests.Add(JsonDocument.Parse(body));
                Authorizations.Add(context.Request.Headers.Authorization.ToString());
                responder = _responders.Count > 0 ? _responders.Dequeue() : c => { c.Response.StatusCode = 500; return Task.CompletedTask; };
            }
            using var aborted = context.RequestAborted.Register(() => RequestAborted.TrySetResult());
            try
            {
                await responder(context);
            }
            catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested)
            {
            }
        });
    }

    public static async Task<FakeOpenAiServer> StartAsync()
    {
        var server = new FakeOpenAiServer();
        await server._app.StartAsync();
        var address = server._app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        server.BaseUrl = address + "/v1";
        return server;
    }

    public void Enqueue(Func<HttpContext, Task> responder)
    {
        lock (_responders) _responders.Enqueue(responder);
    }

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

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
