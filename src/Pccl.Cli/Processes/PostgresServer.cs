using System.Diagnostics;
using System.Net;
using Npgsql;

namespace Pccl.Cli.Processes;

/// <summary>
/// A private PostgreSQL 15 run as the <c>postgres</c> user: data under /tmp, listening on 127.0.0.1 on a free port.
/// The <c>postgres</c> user gets in without a password; every other role needs its password (scram-sha-256).
/// <c>pccl bench failover</c> starts one when no <c>--store</c> is given, and the tests start theirs the same way.
/// Needs root (it runs initdb and pg_ctl as <c>postgres</c>) and PostgreSQL 15 under /usr/lib/postgresql/15.
/// </summary>
public sealed class PostgresServer : IAsyncDisposable
{
    private const string Bin = "/usr/lib/postgresql/15/bin";
    private static int _databases;
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "pccl-pg-" + Guid.NewGuid().ToString("N"));

    private PostgresServer(int port) => Port = port;

    public int Port { get; }

    private string Data => Path.Combine(_directory, "data");

    public static async Task<PostgresServer> StartAsync()
    {
        if (!File.Exists($"{Bin}/initdb"))
        {
            throw new PcclException(PcclErrorCode.InvalidArgument,
                $"PostgreSQL 15 is not installed ({Bin}/initdb is missing): install it, or pass --store with the URL of an existing PostgreSQL");
        }

        var server = new PostgresServer(LoopbackPorts.FreeTcp());
        try
        {
            Directory.CreateDirectory(server._directory);
            await RunAsync("chown", "postgres:postgres", server._directory);
            await RunAsync("runuser", "-u", "postgres", "--", $"{Bin}/initdb", "-D", server.Data, "-A", "trust", "-U", "postgres", "--no-sync");
            await File.WriteAllTextAsync(Path.Combine(server.Data, "pg_hba.conf"),
                "local all all trust\nhost all postgres 127.0.0.1/32 trust\nhost all all 127.0.0.1/32 scram-sha-256\n");
            await server.StartProcessAsync();
            return server;
        }
        catch
        {
            await server.DisposeAsync();
            throw;
        }
    }

    /// <summary>Starts the server again after <see cref="StopAsync"/>.</summary>
    public Task StartProcessAsync() => RunAsync("runuser", "-u", "postgres", "--", $"{Bin}/pg_ctl", "-D", Data, "-l", Path.Combine(_directory, "log"), "-w",
        "-o", $"-c listen_addresses=127.0.0.1 -p {Port} -c unix_socket_directories={_directory} -c fsync=off", "start");

    /// <summary>Stops at once, as a crash would (clients see their connections cut).</summary>
    public Task StopAsync() => RunAsync("runuser", "-u", "postgres", "--", $"{Bin}/pg_ctl", "-D", Data, "-m", "immediate", "-w", "stop");

    /// <summary>A fresh database; returns its master.store URL for the <c>postgres</c> user.</summary>
    public async Task<string> CreateDatabaseAsync()
    {
        var name = $"pccl_{Interlocked.Increment(ref _databases)}";
        await ExecuteAsync($"CREATE DATABASE {name}");
        return $"postgresql://postgres@127.0.0.1:{Port}/{name}";
    }

    /// <summary>Runs one statement in the <c>postgres</c> database (or <paramref name="database"/>).</summary>
    public async Task ExecuteAsync(string sql, string database = "postgres")
    {
        await using var connection = new NpgsqlConnection($"Host=127.0.0.1;Port={Port};Username=postgres;Database={database};Pooling=false");
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }

    public async ValueTask DisposeAsync()
    {
        if (File.Exists(Path.Combine(Data, "postmaster.pid")))
        {
            try
            {
                await StopAsync();
            }
            catch (InvalidOperationException)
            {
                // already stopped
            }
        }

        try
        {
            Directory.Delete(_directory, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    private static async Task RunAsync(string file, params string[] arguments)
    {
        var info = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        using var process = Process.Start(info)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{file} {string.Join(' ', arguments)} exited {process.ExitCode}: {await output}{await error}");
        }
    }
}
