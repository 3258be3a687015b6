namespace Yoi.BackendService.Projection;

/// <summary>
/// The projection seam (docs/protocol.md): the Backend asks it, for every client, whether it may observe a runtime or
/// worker, what the events become for it, and whether it may send a command. Guarantees of every policy:
/// <list type="bullet">
/// <item>Pure and cheap: called per connection and per request, never per event and client.</item>
/// <item>The <see cref="EventProjection"/> it returns decides per event (unchanged, redacted, dropped); events are
///   never reordered, and each is serialized once per distinct projection instance, not once per client.</item>
/// </list>
/// </summary>
public interface IProjectionPolicy
{
    /// <summary>May the client observe the runtime (<paramref name="workerId"/> null: the runtime itself, its lists and lifecycle stream)?</summary>
    bool CanObserve(ClientIdentity client, string runtimeId, string? workerId);

    /// <summary>What the events (and snapshots) become for the client: return shared instances, not one per call.</summary>
    EventProjection Project(ClientIdentity client);

    /// <summary>May the client send the command (one of <see cref="RuntimeCommands"/>) to the runtime?</summary>
    bool CanCommand(ClientIdentity client, string runtimeId, string command);
}

/// <summary>Who is calling: the role its API key maps to (<see cref="Registry.ClientRoles"/>), or the open default.</summary>
public sealed record ClientIdentity(string Role, bool Authenticated)
{
    /// <summary>The caller of a backend with no API keys configured (loopback only unless allowed).</summary>
    public static readonly ClientIdentity Open = new(Registry.ClientRoles.Operator, false);
}

public static class RuntimeCommands
{
    public const string CreateWorker = "create_worker";
    public const string Input = "input";
    public const string Cancel = "cancel";
    public const string Stop = "stop";
    public const string Delete = "delete";
}
