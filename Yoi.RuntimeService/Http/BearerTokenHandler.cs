using System.Security.Claims;
using System.Security.Cryptography;
using System.Text;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;
using Yoi.Protocol.Api;
using Yoi.Runtime;

namespace Yoi.RuntimeService.Http;

/// <summary>
/// The Runtime's one authentication scheme: <c>Authorization: Bearer &lt;Runtime:Token&gt;</c>, compared in constant time
/// (<see cref="CryptographicOperations.FixedTimeEquals"/> over SHA-256 digests, so not even the length leaks). The
/// <c>/v1</c> group requires it; a failure is challenged with 401 <c>unauthorized</c> and <c>WWW-Authenticate: Bearer</c>.
/// The token is never logged.
/// </summary>
public sealed class BearerTokenHandler(IOptionsMonitor<AuthenticationSchemeOptions> options, ILoggerFactory logger, UrlEncoder encoder,
    RuntimeOptions runtime) : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    public const string SchemeName = "RuntimeToken";
    private readonly byte[] _expected = SHA256.HashData(Encoding.UTF8.GetBytes(runtime.Token));

    protected override Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        const string scheme = "Bearer ";
        var header = Request.Headers.Authorization.ToString();
        if (header.Length <= scheme.Length || !header.StartsWith(scheme, StringComparison.OrdinalIgnoreCase))
            return Task.FromResult(AuthenticateResult.NoResult());
        var presented = SHA256.HashData(Encoding.UTF8.GetBytes(header.AsSpan(scheme.Length).Trim().ToString()));
        if (!CryptographicOperations.FixedTimeEquals(presented, _expected))
            return Task.FromResult(AuthenticateResult.Fail("The bearer token is not valid."));
        var identity = new ClaimsIdentity([new Claim(ClaimTypes.Name, "backend")], SchemeName);
        return Task.FromResult(AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(identity), SchemeName)));
    }

    protected override Task HandleChallengeAsync(AuthenticationProperties properties) =>
        new ApiProblem(StatusCodes.Status401Unauthorized, ApiErrorCodes.Unauthorized, "Unauthorized", "A valid bearer token is required.")
            .ExecuteAsync(Context);
}
