namespace Yoi.BackendService.Projection;

/// <summary>
/// The projection seam (SPEC 5.4): the Backend asks it, for every client, whether it may observe a runtime or
/// worker, what the events become for it, and whether it may send a command. Guarantees of every policy:
/// <list type="bullet">
/// <item>Pure and cheap: called per connection and per request, never per event and client.</item>
/// <item>A projection never drops or reorders events: a redacted event keeps its cursor, so cursors stay contiguous.</item>
/// <item>Events are serialized once per distinct <see cref="ProjectionKind"/>, not once per client.</item>
/// </list>
/// </summary>
public interface IProjectionPolicy
{
    /// <summary>May the client observe the runtime (<paramref name="workerId"/> null: the runtime itself, its lists and lifecycle stream)?</summary>
    bool CanObserve(ClientIdentity client, string runtimeId, string? workerId);

    /// <summary>What every event becomes for the client.</summary>
    ProjectionKind Project(ClientIdentity client);

    /// <summary>May the client send the command (one of <see cref="RuntimeCommands"/>) to the runtime?</summary>
    bool CanCommand(ClientIdentity client, string runtimeId, string command);
}

/// <summary>Who is calling: the role its API key maps to (<see cref="Registry.ClientRoles"/>), or the open default.</summary>
public sealed record ClientIdentity(string Role, bool Authenticated)
{
    /// <summary>The caller of a backend with no API keys configured (loopback only unless allowed).</summary>
    public static readonly ClientIdentity Open = new(Registry.ClientRoles.Operator, false);
}

public enum ProjectionKind
{
    /// <summary>Events unchanged (the stored bytes).</summary>
    PassThrough = 0,
    /// <summary>Thinking text and tool output replaced by <see cref="EventRedactor.Marker"/>; the event is kept.</summary>
    Redacted = 1,
}

public static class RuntimeCommands
{
    public const string CreateWorker = "create_worker";
    public const string Input = "input";
    public const string Cancel = "cancel";
    public const string Stop = "stop";
}
