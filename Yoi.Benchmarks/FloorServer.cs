using System.Net.WebSockets;
using System.Runtime;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Yoi.Benchmarks;

/// <summary>
/// The bare-Kestrel floor for idle WebSocket memory (docs/benchmarks.md, "Floors"): a minimal ASP.NET Core app that accepts a WebSocket at
/// <c>/idle</c> and awaits a receive, nothing else. <c>Yoi.Benchmarks floor-server</c> runs it as a child process, started
/// like the Backend (same URL scheme, same clients, the Backend's GC settings passed as environment).
/// </summary>
internal static class FloorServer
{
    public static async Task<int> RunAsync(string[] args)
    {
        var builder = WebApplication.CreateSlimBuilder(args);
        builder.Logging.ClearProviders();
        var app = builder.Build();
        app.UseWebSockets();
        app.MapGet("/health", () => "ok");
        app.MapGet("/gc", () => $"server={GCSettings.IsServerGC} latency={GCSettings.LatencyMode}");
        app.MapGet("/idle", async (HttpContext context) =>
        {
            if (!context.WebSockets.IsWebSocketRequest)
            {
                context.Response.StatusCode = StatusCodes.Status404NotFound;
                return;
            }
            using var socket = await context.WebSockets.AcceptWebSocketAsync();
            var buffer = new byte[16];
            try
            {
                while (true)
                {
                    var result = await socket.ReceiveAsync(buffer.AsMemory(), context.RequestAborted);
                    if (result.MessageType == WebSocketMessageType.Close)
                    {
                        await socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, "", CancellationToken.None);
                        return;
                    }
                }
            }
            catch (Exception ex) when (ex is WebSocketException or OperationCanceledException) { }
        });
        await app.RunAsync();
        return 0;
    }
}
