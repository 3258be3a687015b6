using System.Net.WebSockets;

namespace Yoi.BackendService.Observation;

/// <summary>Refuses a WebSocket the observation way: accept, one <c>diagnostic</c> frame, a close with the code, bounded drain.</summary>
internal static class WebSocketRejection
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(5);

    public static async Task RejectAsync(HttpContext context, string code, string message, int closeCode)
    {
        using var socket = await context.WebSockets.AcceptWebSocketAsync();
        using var timeout = new CancellationTokenSource(Timeout);
        try
        {
            await socket.SendAsync(FrameFactory.Diagnostic(code, message), WebSocketMessageType.Text, true, timeout.Token);
            await socket.CloseOutputAsync((WebSocketCloseStatus)closeCode, code, timeout.Token);
            var buffer = new byte[256];
            while (socket.State == WebSocketState.CloseSent)
            {
                if ((await socket.ReceiveAsync(buffer.AsMemory(), timeout.Token)).MessageType == WebSocketMessageType.Close) break;
            }
        }
        catch (Exception ex) when (ex is WebSocketException or OperationCanceledException) { }
    }
}
