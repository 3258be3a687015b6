using Yoi.BackendService.Projection;

namespace Yoi.BackendService.Api;

/// <summary>Authenticates every <c>/api</c> request (401 <c>unauthorized</c>) and keeps the caller's identity for the handlers.</summary>
public sealed class ClientAccess(ApiKeyAuthenticator authenticator) : IEndpointFilter
{
    private static readonly object Key = new();

    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var identity = authenticator.Authenticate(context.HttpContext);
        if (identity is null) return ApiProblems.Unauthorized();
        context.HttpContext.Items[Key] = identity;
        return await next(context);
    }

    public static ClientIdentity Identity(HttpContext context) =>
        context.Items[Key] as ClientIdentity ?? throw new InvalidOperationException("The /api group did not authenticate the request.");
}
