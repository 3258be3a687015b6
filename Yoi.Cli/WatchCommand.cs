using System.Net.WebSockets;
using System.Text;
using Yoi.Protocol.Envelopes;
using Yoi.Protocol.Events;

namespace Yoi.Cli;

/// <summary>
/// <c>yoi watch</c>: opens the backend's observation WebSocket and prints every text frame as it arrives, one JSON
/// document per line, exactly as the server sent it.
/// </summary>
internal static class WatchCommand
{
    public const string Usage =
        "usage: yoi watch <backend-url> <runtime-id> [<worker-id>] [--cursor <id>] [--api-key <key>] [--until-run-end]";

    public static async Task<int> RunAsync(string[] args, CancellationToken cancellationToken)
    {
        var positional = new List<string>();
        string? cursor = null, apiKey = Environment.GetEnvironmentVariable("YOI_API_KEY");
        var untilRunEnd = false;
        for (var i = 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--cursor" when i + 1 < args.Length: cursor = args[++i]; break;
                case "--api-key" when i + 1 < args.Length: apiKey = args[++i]; break;
                case "--until-run-end": untilRunEnd = true; break;
                case var a when a.StartsWith("--", StringComparison.Ordinal):
                    Console.Error.WriteLine($"unknown option '{a}'\n{Usage}");
                    return 2;
                default: positional.Add(args[i]); break;
            }
        }
        if (positional.Count is < 2 or > 3 || !Uri.TryCreate(positional[0], UriKind.Absolute, out var backend))
        {
            Console.Error.WriteLine(Usage);
            return 2;
        }

        var path = positional.Count == 3
            ? $"/api/runtimes/{Uri.EscapeDataString(positional[1])}/workers/{Uri.EscapeDataString(positional[2])}/events/ws"
            : $"/api/runtimes/{Uri.EscapeDataString(positional[1])}/events/ws";
        var uri = new UriBuilder(backend) { Scheme = backend.Scheme == "https" ? "wss" : "ws", Path = path,
            Query = cursor is null ? "" : $"cursor={Uri.EscapeDataString(cursor)}" }.Uri;

        using var socket = new ClientWebSocket();
        if (apiKey is not null) socket.Options.SetRequestHeader("Authorization", $"Bearer {apiKey}");
        await socket.ConnectAsync(uri, cancellationToken);

        var buffer = new byte[64 * 1024];
        using var message = new MemoryStream();
        while (true)
        {
            var result = await socket.ReceiveAsync(buffer, cancellationToken);
            if (result.MessageType == WebSocketMessageType.Close)
            {
                Console.Error.WriteLine($"closed: {(int?)result.CloseStatus} {result.CloseStatusDescription}");
                return result.CloseStatus is WebSocketCloseStatus.NormalClosure or WebSocketCloseStatus.EndpointUnavailable ? 0 : 1;
            }
            message.Write(buffer, 0, result.Count);
            if (!result.EndOfMessage) continue;

            var frame = message.ToArray();
            message.SetLength(0);
            Console.WriteLine(Encoding.UTF8.GetString(frame));
            if (untilRunEnd && ObservationFrame.TryParse(frame, out var parsed, out _) && parsed is EventFrame { Payload: RunEndEvent })
            {
                await socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, "done", cancellationToken);
                return 0;
            }
        }
    }
}
