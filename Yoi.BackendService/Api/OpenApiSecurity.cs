using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace Yoi.BackendService.Api;

/// <summary>
/// The OpenAPI document declares the API-key bearer scheme (docs/security.md) and names no server: the framework
/// would fill <c>servers</c> from the request's <c>Host</c>, echoing whatever a caller sent.
/// </summary>
public static class OpenApiSecurity
{
    public const string SchemeName = "api_key";

    public static void Configure(OpenApiOptions options) => options.AddDocumentTransformer((document, _, _) =>
    {
        document.Servers = [];
        document.Components ??= new OpenApiComponents();
        document.Components.SecuritySchemes ??= new Dictionary<string, IOpenApiSecurityScheme>();
        document.Components.SecuritySchemes[SchemeName] = new OpenApiSecurityScheme
        {
            Type = SecuritySchemeType.Http,
            Scheme = "bearer",
            Description = "An API key of Backend:ApiKeys (none needed while no key is configured). WebSockets also take ?access_token=.",
        };
        document.Security = [new OpenApiSecurityRequirement { [new OpenApiSecuritySchemeReference(SchemeName, document)] = [] }];
        return Task.CompletedTask;
    });
}
