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
/// A local Ollama endpoint (Kestrel on 127.0.0.1:0) serving <c>POST /api/chat</c> in its streaming format: one JSON
/// object per line (NDJSON), the last with <c>done: true</c>, the token counts and the done reason. Each request is
/// answered by the next queued responder; the request bodies are kept for assertions.
/// </summary>
internal sealed class FakeOllamaServer : IAsyncDisposable
{
    private const string Model = "fake-llama";
    private readonly WebApplication _app;
    private readonly Queue<Func<HttpContext, Task>> _responders = new();

    public List<JsonDocument> Requests { get; } = [];
    public string Endpoint { get; private set; } = "";

    /// <summary>Completed when a request is aborted by the client before its answer ended.</summary>
    public TaskCompletionSource RequestAborted { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private FakeOllamaServer()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        _app = builder.Build();
        _app.MapPost("/api/chat", async context =>
        {
            using var reader = new StreamReader(context.Request.Body);
            var body = await reader.ReadToEndAsync();
            Func<HttpContext, Task> responder;
            lock (_responders)
            {
                Requests.Add(JsonDocument.Parse(body));
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

    public static async Task<FakeOllamaServer> StartAsync()
    {
        var server = new FakeOllamaServer();
        await server._app.StartAsync();
        server.Endpoint = server._app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return server;
    }

    public void Enqueue(Func<HttpContext, Task> responder)
    {
        lock (_responders) _responders.Enqueue(responder);
    }

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

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
