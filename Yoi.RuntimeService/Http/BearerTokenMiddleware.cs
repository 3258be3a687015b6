using System.Security.Cryptography;
using System.Text;
using Yoi.Protocol.Api;

namespace Yoi.RuntimeService.Http;

/// <summary>
/// Every <c>/v1</c> request needs <c>Authorization: Bearer &lt;Runtime:Token&gt;</c>. The comparison is constant-time
/// (<see cref="CryptographicOperations.FixedTimeEquals"/> over SHA-256 digests of the UTF-8 bytes, so not even the
/// length leaks). A failure answers 401 <c>unauthorized</c> with <c>WWW-Authenticate: Bearer</c>; the token is never logged.
/// </summary>
public sealed class BearerTokenMiddleware(RequestDelegate next, string token)
{
    private readonly byte[] _expected = SHA256.HashData(Encoding.UTF8.GetBytes(token));

    public Task InvokeAsync(HttpContext context)
    {
        if (IsAuthorized(context.Request.Headers.Authorization.ToString())) return next(context);
        return new ApiProblem(401, ApiErrorCodes.Unauthorized, "Unauthorized", "A valid bearer token is required.").ExecuteAsync(context);
    }

    private bool IsAuthorized(string header)
    {
        const string scheme = "Bearer ";
        if (header.Length <= scheme.Length || !header.StartsWith(scheme, StringComparison.OrdinalIgnoreCase)) return false;
        var presented = SHA256.HashData(Encoding.UTF8.GetBytes(header.AsSpan(scheme.Length).Trim().ToString()));
        return CryptographicOperations.FixedTimeEquals(presented, _expected);
    }
}
