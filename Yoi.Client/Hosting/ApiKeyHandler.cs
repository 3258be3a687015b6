using System.Net.Http.Headers;

namespace Yoi.Client.Hosting;

/// <summary>Puts the API key on every request of the typed client (unless the request carries its own).</summary>
public sealed class ApiKeyHandler(string? apiKey) : DelegatingHandler
{
    protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        if (apiKey is not null && request.Headers.Authorization is null)
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", apiKey);
        return base.SendAsync(request, cancellationToken);
    }
}
