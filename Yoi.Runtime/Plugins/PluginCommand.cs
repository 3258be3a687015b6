namespace Yoi.Runtime.Plugins;

/// <summary>
/// An output command a plugin asks the host to run. The host knows <see cref="WebSocketSendCommand"/>,
/// <see cref="WorkerInputCommand"/> and <see cref="WorkerCreateCommand"/>; anything else is refused with an
/// <c>unknown_command</c> diagnostic.
/// </summary>
public abstract record PluginCommand
{
    /// <summary>The command's wire name, used in diagnostics.</summary>
    public abstract string Name { get; }
}

/// <summary>Sends <see cref="Text"/> as one text message to a declared and granted target.</summary>
public sealed record WebSocketSendCommand(string Target, string Text) : PluginCommand
{
    public override string Name => "websocket_send";
}

/// <summary>Sends input to a Worker of this Runtime (starts a run).</summary>
public sealed record WorkerInputCommand(string WorkerId, string Text) : PluginCommand
{
    public override string Name => "worker_input";
}

/// <summary>Creates a Worker of this Runtime; the result carries its id.</summary>
public sealed record WorkerCreateCommand(string? Provider = null, string? Model = null, string? Instructions = null) : PluginCommand
{
    public override string Name => "worker_create";
}

/// <summary>
/// The outcome of a command. Refusals carry a stable <see cref="Code"/> (<see cref="PluginCommandCodes"/>, or the
/// Worker runtime's code such as <c>already_running</c>) and a message safe to show.
/// </summary>
public sealed record PluginCommandResult(bool Accepted, string? Code = null, string? Message = null, string? WorkerId = null, string? RunId = null)
{
    public static readonly PluginCommandResult Ok = new(true);

    public static PluginCommandResult Refused(string code, string message) => new(false, code, message);
}

/// <summary>Codes of refused commands and of plugin diagnostics.</summary>
public static class PluginCommandCodes
{
    public const string TargetUndeclared = "target_undeclared";
    public const string TargetNotGranted = "target_not_granted";
    public const string MessageTooLarge = "message_too_large";
    public const string InvalidCommand = "invalid_command";
    public const string NotConnected = "not_connected";
    public const string QueueFull = "queue_full";
    public const string InvalidWorkerId = "invalid_worker_id";
    public const string WorkerRuntimeUnavailable = "worker_runtime_unavailable";
    public const string UnknownCommand = "unknown_command";
    public const string NotRunning = "plugin_not_running";
}

/// <summary>Codes of diagnostics the host records (besides refused commands).</summary>
public static class PluginDiagnosticCodes
{
    public const string BinaryFrameUnsupported = "binary_frame_unsupported";
    public const string MessageTooLarge = "message_too_large";
    public const string InvalidUtf8 = "invalid_utf8";
    public const string IngressDropped = "ingress_dropped";
    public const string Connected = "connected";
    public const string Closed = "closed";
    public const string ConnectionError = "connection_error";
    public const string ReconnectNeeded = "reconnect_needed";
    public const string Reconnecting = "reconnecting";
    public const string ReconnectExhausted = "reconnect_exhausted";
    public const string SendFailed = "send_failed";
    public const string QueueDropped = "queue_dropped";
    public const string PluginError = "plugin_error";
    public const string StartFailed = "start_failed";
}
