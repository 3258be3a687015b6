using System.CommandLine;
using System.Net.WebSockets;
using Microsoft.Extensions.DependencyInjection;
using Yoi.Client;
using Yoi.Client.Hosting;
using Yoi.Protocol;

namespace Yoi.Cli;

/// <summary>The options every command shares, and running a command with its failures mapped to exit codes.</summary>
internal static class CliContext
{
    public const string DefaultBackend = "http://127.0.0.1:5080/";

    public static readonly Option<Uri> Backend = new("--backend", "-b")
    {
        Description = $"The Backend's base URL (env YOI_BACKEND; default {DefaultBackend}).",
        Recursive = true,
        DefaultValueFactory = result => ParseBackend(result,
            Environment.GetEnvironmentVariable("YOI_BACKEND") is { Length: > 0 } b ? b : DefaultBackend, "YOI_BACKEND")!,
        CustomParser = result => ParseBackend(result, result.Tokens.Count > 0 ? result.Tokens[0].Value : DefaultBackend, "--backend"),
    };

    private static Uri? ParseBackend(System.CommandLine.Parsing.ArgumentResult result, string text, string source)
    {
        if (Uri.TryCreate(text, UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https") return uri;
        result.AddError($"{source} must be an http or https URL, not '{text}'.");
        return null;
    }

    // No default value factory: help would print the key taken from the environment.
    public static readonly Option<string?> ApiKey = new("--api-key")
    {
        Description = "The API key (env YOI_API_KEY).",
        Recursive = true,
    };

    public static readonly Option<bool> Json = new("--json")
    {
        Description = "Print JSON for scripts (one document, or one frame per line) instead of text.",
        Recursive = true,
    };

    public static YoiClient Client(ParseResult parse)
    {
        var backend = parse.GetValue(Backend)!;
        var key = parse.GetValue(ApiKey) ?? (Environment.GetEnvironmentVariable("YOI_API_KEY") is { Length: > 0 } k ? k : null);
        var services = new ServiceCollection();
        services.AddYoiClient(o =>
        {
            o.BaseAddress = backend;
            o.ApiKey = key;
        });
        return services.BuildServiceProvider().GetRequiredService<YoiClient>();
    }

    /// <summary>Runs a command body; known failures become one line on stderr and their exit code.</summary>
    public static async Task<int> RunAsync(Func<CancellationToken, Task<int>> body, CancellationToken cancellationToken)
    {
        try
        {
            return await body(cancellationToken);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            return ExitCodes.Ok; // Ctrl+C: the user ended it
        }
        catch (YoiApiException e)
        {
            Console.Error.WriteLine($"yoi: {e.Code}: {e.Detail}");
            return ExitCodes.For(e);
        }
        catch (Exception e) when (e is HttpRequestException or WebSocketException or TaskCanceledException)
        {
            Console.Error.WriteLine($"yoi: the backend could not be reached: {e.Message}");
            return ExitCodes.Unreachable;
        }
        catch (ProtocolFormatException e)
        {
            Console.Error.WriteLine($"yoi: the backend sent something unexpected: {e.Message}");
            return ExitCodes.Failed;
        }
    }
}
