using Microsoft.Extensions.Configuration;

namespace Yoi.AppHost.Topology;

/// <summary>
/// The AppHost's options (docs/configuration.md): each from the command line or from configuration (<c>AppHost:*</c>,
/// env <c>AppHost__*</c>). Aspire's own switches (publishing) pass through to the distributed application builder as
/// <see cref="AspireArgs"/>.
/// </summary>
public sealed record AppHostOptions(int BackendPort, int Runtimes, string? Redis, bool InMemory, string DataDirectory, string[] AspireArgs)
{
    /// <summary>Aspire's switches this AppHost accepts (a manifest for azd: <c>--publisher manifest --output-path FILE</c>).</summary>
    private static readonly HashSet<string> AspireSwitches = ["--publisher", "--output-path", "--operation", "--step"];

    private static readonly Dictionary<string, string> Switches = new()
    {
        ["--backend-port"] = "AppHost:BackendPort",
        ["--runtimes"] = "AppHost:Runtimes",
        ["--redis"] = "AppHost:Redis",
        ["--in-memory"] = "AppHost:InMemory",
        ["--data-dir"] = "AppHost:DataDirectory",
    };

    public static AppHostOptions Load(string[] args)
    {
        var normalized = new List<string>();
        var aspire = new List<string>();
        for (var i = 0; i < args.Length; i++)
        {
            var arg = args[i];
            var eq = arg.IndexOf('=');
            var name = eq > 0 ? arg[..eq] : arg;
            if (AspireSwitches.Contains(name))
            {
                aspire.Add(arg);
                if (eq < 0 && i + 1 < args.Length) aspire.Add(args[++i]);
                continue;
            }
            if (!Switches.ContainsKey(name))
                throw new OptionsException($"Unknown option '{name}'. Options: {string.Join(", ", Switches.Keys.Concat(AspireSwitches))}.");
            if (name == "--in-memory" && eq < 0) { normalized.Add("--in-memory=true"); continue; }
            if (eq < 0)
            {
                if (i + 1 >= args.Length) throw new OptionsException($"Option '{name}' needs a value.");
                normalized.Add($"{name}={args[++i]}");
            }
            else normalized.Add(arg);
        }

        var configuration = new ConfigurationBuilder()
            .AddEnvironmentVariables()
            .AddCommandLine(normalized.ToArray(), Switches)
            .Build();

        var section = configuration.GetSection("AppHost");
        var backendPort = ParseInt(section, "BackendPort", 5080, 0, 65535);
        var runtimes = ParseInt(section, "Runtimes", 2, 1, 64);
        var redis = section["Redis"] is { Length: > 0 } r ? r : configuration.GetConnectionString("redis");
        var inMemory = section["InMemory"] is { Length: > 0 } m
            ? bool.TryParse(m, out var b) ? b : throw new OptionsException($"AppHost:InMemory (--in-memory) must be true or false, not '{m}'.")
            : false;
        var dataDirectory = section["DataDirectory"] is { Length: > 0 } d ? d : Path.Combine(Environment.CurrentDirectory, ".yoi-data");
        return new AppHostOptions(backendPort, runtimes, string.IsNullOrWhiteSpace(redis) ? null : redis, inMemory, Path.GetFullPath(dataDirectory), aspire.ToArray());
    }

    private static int ParseInt(IConfigurationSection section, string key, int fallback, int min, int max)
    {
        var text = section[key];
        if (string.IsNullOrEmpty(text)) return fallback;
        if (!int.TryParse(text, out var value) || value < min || value > max)
            throw new OptionsException($"AppHost:{key} must be a whole number from {min} to {max}, not '{text}'.");
        return value;
    }
}

public sealed class OptionsException(string message) : Exception(message);
