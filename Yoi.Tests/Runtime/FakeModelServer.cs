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
/// A local model provider endpoint (Kestrel on 127.0.0.1:0) with one POST route. Each request is answered by the next
/// queued responder (a 500 when none is left); request bodies and Authorization headers are kept for assertions.
/// The subclasses speak the providers' wire formats.
/// </summary>
internal abstract class FakeModelServer : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly Queue<Func<HttpContext, Task>> _responders = new();

    public List<JsonDocument> Requests { get; } = [];
    public List<string?> Authorizations { get; } = [];

    /// <summary>Completed when a request is aborted by the client (the connection closed before the answer ended).</summary>
    public TaskCompletionSource RequestAborted { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>The server's root, <c>http://127.0.0.1:port</c>, once started.</summary>
    protected string Address { get; private set; } = "";

    protected FakeModelServer(string route)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        _app = builder.Build();
        _app.MapPost(route, async context =>
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

    protected static async Task<T> StartAsync<T>(T server) where T : FakeModelServer
    {
        await server._app.StartAsync();
        server.Address = server._app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return server;
    }

    public void Enqueue(Func<HttpContext, Task> responder)
    {
        lock (_responders) _responders.Enqueue(responder);
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
