using Microsoft.Extensions.FileProviders;

namespace Yoi.BackendService.WebConsole;

/// <summary>
/// The web console (docs/console.md): plain static files from <c>wwwroot</c> served at <c>/</c>. It is a client of the
/// public API only; nothing here knows about it beyond serving its files.
/// </summary>
public static class ConsoleHosting
{
    // The console loads nothing from elsewhere (it works offline); its WebSocket goes to the same origin.
    private const string ContentSecurityPolicy =
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; " +
        "base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

    public static WebApplication UseConsole(this WebApplication app)
    {
        // The files are copied beside the assembly, so the console is there whatever the working directory.
        var root = Path.Combine(AppContext.BaseDirectory, "wwwroot");
        var files = Directory.Exists(root) ? new PhysicalFileProvider(root) : app.Environment.WebRootFileProvider;
        app.UseDefaultFiles(new DefaultFilesOptions { FileProvider = files });
        app.UseStaticFiles(new StaticFileOptions
        {
            FileProvider = files,
            OnPrepareResponse = context =>
            {
                var headers = context.Context.Response.Headers;
                headers.CacheControl = "no-cache";
                headers.XContentTypeOptions = "nosniff";
                headers.ContentSecurityPolicy = ContentSecurityPolicy;
                headers["Referrer-Policy"] = "no-referrer";
            },
        });
        return app;
    }
}
