using Yoi.BackendService.Registry;

namespace Yoi.BackendService.Projection;

/// <summary>
/// The default policy: <c>operator</c> (and the open, keyless backend) may do everything with events unchanged;
/// <c>viewer</c> observes everything redacted and may send no command.
/// </summary>
public sealed class RolePolicy : IProjectionPolicy
{
    public bool CanObserve(ClientIdentity client, string runtimeId, string? workerId) =>
        client.Role is ClientRoles.Operator or ClientRoles.Viewer;

    public EventProjection Project(ClientIdentity client) =>
        client.Role == ClientRoles.Operator ? EventProjection.PassThrough : EventProjection.Redacted;

    public bool CanCommand(ClientIdentity client, string runtimeId, string command) => client.Role == ClientRoles.Operator;
}
