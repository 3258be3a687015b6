namespace Yoi.Runtime.Plugins;

/// <summary>
/// One event in a plugin's ingress queue. <see cref="Kind"/> is one of <see cref="PluginIngressKinds"/>; the other
/// fields are set as the kind says. <see cref="Target"/> is the declared target name, never a URL.
/// </summary>
public sealed record PluginIngressEvent(
    string Kind,
    DateTimeOffset At,
    string? Target = null,
    string? Text = null,
    int? Status = null,
    string? Description = null,
    int? Attempt = null,
    TimeSpan? Delay = null)
{
    public static PluginIngressEvent Message(string target, string text, DateTimeOffset at) =>
        new(PluginIngressKinds.WebSocketMessage, at, target, text);

    public static PluginIngressEvent Connected(string target, DateTimeOffset at) =>
        new(PluginIngressKinds.WebSocketConnected, at, target);

    public static PluginIngressEvent Closed(string target, int? status, string? description, DateTimeOffset at) =>
        new(PluginIngressKinds.WebSocketClosed, at, target, Status: status, Description: description);

    public static PluginIngressEvent Error(string target, string description, DateTimeOffset at) =>
        new(PluginIngressKinds.WebSocketError, at, target, Description: description);

    public static PluginIngressEvent Reconnecting(string target, int attempt, TimeSpan delay, DateTimeOffset at) =>
        new(PluginIngressKinds.WebSocketReconnecting, at, target, Attempt: attempt, Delay: delay);

    public static PluginIngressEvent ReconnectNeeded(string target, string description, DateTimeOffset at) =>
        new(PluginIngressKinds.ReconnectNeeded, at, target, Description: description);
}

public static class PluginIngressKinds
{
    /// <summary>A complete text message (fragments reassembled) from a target: <c>Target</c>, <c>Text</c>.</summary>
    public const string WebSocketMessage = "websocket_message";
    /// <summary>The host connected a target (also after a reconnect).</summary>
    public const string WebSocketConnected = "websocket_connected";
    /// <summary>The connection closed (by the server, or by the host for an oversized message): <c>Status</c>, <c>Description</c>.</summary>
    public const string WebSocketClosed = "websocket_closed";
    /// <summary>The connection failed or broke without a close handshake: <c>Description</c>.</summary>
    public const string WebSocketError = "websocket_error";
    /// <summary>The host waits <c>Delay</c> before reconnect <c>Attempt</c> (manifest opted into reconnect).</summary>
    public const string WebSocketReconnecting = "websocket_reconnecting";
    /// <summary>The connection is down and the manifest did not opt into reconnect (or attempts ran out).</summary>
    public const string ReconnectNeeded = "reconnect_needed";
}
