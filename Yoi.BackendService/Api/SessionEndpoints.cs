using Yoi.BackendService.Projection;
using Yoi.BackendService.Registry;
using Yoi.Protocol.Api;

namespace Yoi.BackendService.Api;

/// <summary>
/// <c>GET /api/session</c>: what the presented key may do, so a client (the console) shows only the commands it
/// may send. The projection seam still decides every request; this only reports its answers.
/// </summary>
public static class SessionEndpoints
{
    private static readonly string[] Commands =
        [RuntimeCommands.CreateWorker, RuntimeCommands.Input, RuntimeCommands.Cancel, RuntimeCommands.Stop];

    public static IEndpointRouteBuilder MapSessionEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapGet("/api/session", GetSession).RequireAuthorization(Registry.ClientRoles.Viewer).WithTags("session").WithName("GetSession")
            .WithSummary("The caller's role and the commands it may send to each runtime it may observe.")
            .Produces<ClientSession>();
        return app;
    }

    private static IResult GetSession(HttpContext context, RuntimeRegistry registry, IProjectionPolicy policy)
    {
        var client = ClientAccess.Identity(context);
        var runtimes = registry.Runtimes.Where(r => policy.CanObserve(client, r.Id, null))
            .Select(r => new RuntimeGrant(r.Id, [.. Commands.Where(c => policy.CanCommand(client, r.Id, c))]))
            .ToList();
        return TypedResults.Json(new ClientSession(client.Role, client.Authenticated, runtimes), ApiJsonContext.Default.ClientSession);
    }
}
