using System.Text.Json;
using System.Text.RegularExpressions;

namespace Yoi.Tests.AppHost;

/// <summary>
/// What azd deploys: the AppHost's manifest (<c>--publisher manifest</c>), checked the way azd reads it, since azd
/// itself cannot be installed here.
/// </summary>
public sealed partial class ManifestTests
{
    [Fact]
    public async Task The_manifest_has_redis_every_runtime_and_an_external_backend_wired_by_references_with_no_secret_in_clear()
    {
        var output = Path.Combine(Directory.CreateTempSubdirectory("yoi-manifest-").FullName, "aspire-manifest.json");
        await using var host = AppHostProcess.Start(["--runtimes", "3", "--publisher", "manifest", "--output-path", output]);
        await host.WaitForExitAsync(TimeSpan.FromSeconds(120));
        Assert.True(host.ExitCode == 0, host.Output);
        var text = await File.ReadAllTextAsync(output, TestContext.Current.CancellationToken);
        using var manifest = JsonDocument.Parse(text);
        var resources = manifest.RootElement.GetProperty("resources");

        // Redis: Aspire's container (a managed Redis once deployed), its password a generated secret parameter.
        var redis = resources.GetProperty("redis");
        Assert.StartsWith("container.", redis.GetProperty("type").GetString());
        // (the last reference adds ",ssl=true" when the deployed Redis has TLS on)
        Assert.Matches(@"^\{redis\.bindings\.tcp\.host\}:\{redis\.bindings\.tcp\.port\},password=\{[a-z-]+\.value\}(\{[a-z0-9-]+\.connectionString\})?$",
            redis.GetProperty("connectionString").GetString());

        var backend = resources.GetProperty("backend");
        Assert.StartsWith("project.", backend.GetProperty("type").GetString());
        Assert.True(backend.GetProperty("bindings").GetProperty("http").GetProperty("external").GetBoolean());
        var backendEnv = backend.GetProperty("env");
        Assert.Equal("{redis.connectionString}", backendEnv.GetProperty("ConnectionStrings__redis").GetString());

        foreach (var (id, index) in new[] { ("rt-1", 0), ("rt-2", 1), ("rt-3", 2) })
        {
            var runtime = resources.GetProperty(id);
            Assert.StartsWith("project.", runtime.GetProperty("type").GetString());
            Assert.False(runtime.GetProperty("bindings").GetProperty("http").TryGetProperty("external", out var external) && external.GetBoolean(),
                $"{id} must not be reachable from outside");
            var env = runtime.GetProperty("env");
            Assert.Equal(id, env.GetProperty("Runtime__Id").GetString());
            Assert.Equal($"{{{id}-token.value}}", env.GetProperty("Runtime__Token").GetString());
            Assert.Equal("{redis.connectionString}", env.GetProperty("ConnectionStrings__redis").GetString());

            var prefix = $"Backend__Runtimes__{index}__";
            Assert.Equal((id, "remote", $"{{{id}-token.value}}"), (backendEnv.GetProperty(prefix + "Id").GetString(),
                backendEnv.GetProperty(prefix + "Source").GetString(), backendEnv.GetProperty(prefix + "Token").GetString()));
            Assert.Equal($"{{{id}.bindings.http.url}}", backendEnv.GetProperty($"services__{id}__http__0").GetString());

            // The token: a secret parameter azd generates and stores, never a value in the manifest.
            var input = resources.GetProperty($"{id}-token").GetProperty("inputs").GetProperty("value");
            Assert.True(input.GetProperty("secret").GetBoolean());
            Assert.True(input.GetProperty("default").TryGetProperty("generate", out _));
            Assert.False(input.TryGetProperty("value", out _));
        }

        // No secret in clear anywhere: every token and password is a {reference}.
        foreach (Match m in SecretAssignment().Matches(text))
            Assert.StartsWith("{", m.Groups["value"].Value);
        Assert.DoesNotMatch(@"password=[^{]", text);
    }

    [Fact]
    public void Azure_yaml_points_azd_at_the_apphost_as_container_apps()
    {
        var yaml = File.ReadAllText(Path.Combine(Processes.BuiltArtifacts.RepositoryRoot, "azure.yaml"));
        var project = Regex.Match(yaml, @"(?m)^\s+project:\s*(\S+)\s*$").Groups[1].Value;
        Assert.Equal("./Yoi.AppHost/Yoi.AppHost.csproj", project);
        Assert.True(File.Exists(Path.Combine(Processes.BuiltArtifacts.RepositoryRoot, project)));
        Assert.Matches(@"(?m)^\s+language:\s*dotnet\s*$", yaml);
        Assert.Matches(@"(?m)^\s+host:\s*containerapp\s*$", yaml);
    }

    [GeneratedRegex(@"""[^""]*(?:Token|PASSWORD|Password)[^""]*""\s*:\s*""(?<value>[^""]*)""")]
    private static partial Regex SecretAssignment();
}
