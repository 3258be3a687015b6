using System.Security.Claims;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;
using Yoi.BackendService.Projection;
using Yoi.BackendService.Registry;
using Yoi.Protocol.Api;

namespace Yoi.BackendService.Api;

/// <summary>
/// The Backend's one authentication scheme: the API key of <see cref="ApiKeyAuthenticator"/> becomes a principal with
/// the key's role (<c>viewer</c> or <c>operator</c>), which the authorization policies of the same names check. A
/// missing or wrong key is challenged with 401 <c>unauthorized</c> and <c>WWW-Authenticate: Bearer</c>; a role that
/// may not do something is 403 <c>forbidden</c>.
/// </summary>
public sealed class ApiKeyAuthenticationHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> options, ILoggerFactory logger, UrlEncoder encoder, ApiKeyAuthenticator keys)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    public const string SchemeName = "ApiKey";

    protected override Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        if (keys.Authenticate(Context) is { } identity)
            return Task.FromResult(AuthenticateResult.Success(new AuthenticationTicket(ClientAccess.ToPrincipal(identity, SchemeName), SchemeName)));
        return Task.FromResult(ApiKeyAuthenticator.PresentedKey(Context) is null
            ? AuthenticateResult.NoResult()
            : AuthenticateResult.Fail("The API key is not valid.")); // the key itself is never logged
    }

    protected override Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        Response.Headers.WWWAuthenticate = "Bearer";
        return ApiProblems.Write(Context, StatusCodes.Status401Unauthorized, ApiErrorCodes.Unauthorized, "Unauthorized",
            "A valid API key is required (Authorization: Bearer <key>).", null);
    }

    protected override Task HandleForbiddenAsync(AuthenticationProperties properties) =>
        ApiProblems.Write(Context, StatusCodes.Status403Forbidden, ApiErrorCodes.Forbidden, "Forbidden", "This client may not do this.",
            Context.Request.RouteValues.TryGetValue("rid", out var rid) && rid is string id && ResourceId.IsValid(id) ? id : null);
}

/// <summary>The caller's <see cref="ClientIdentity"/>, carried by the request's principal.</summary>
public static class ClientAccess
{
    private const string OpenClaim = "yoi:open";

    public static ClaimsPrincipal ToPrincipal(ClientIdentity identity, string scheme)
    {
        var claims = new List<Claim> { new(ClaimTypes.Role, identity.Role) };
        if (!identity.Authenticated) claims.Add(new Claim(OpenClaim, "true"));
        return new ClaimsPrincipal(new ClaimsIdentity(claims, scheme, ClaimTypes.Name, ClaimTypes.Role));
    }

    public static ClientIdentity Identity(HttpContext context)
    {
        var role = context.User.FindFirst(ClaimTypes.Role)?.Value
            ?? throw new InvalidOperationException("The /api group did not authenticate the request.");
        return role == ClientRoles.Operator && context.User.HasClaim(OpenClaim, "true") ? ClientIdentity.Open
            : new ClientIdentity(role, !context.User.HasClaim(OpenClaim, "true"));
    }
}
