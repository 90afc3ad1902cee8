namespace Pccl.Master.Store;

/// <summary>
/// The tables of the SQL stores, in plain SQL that SQLite and PostgreSQL both accept. <see cref="Migrations"/>[v - 1]
/// brings a store from version v - 1 to v; a master refuses a store whose version is above <see cref="CurrentVersion"/>
/// (a newer master wrote it and this one cannot know what changed).
/// </summary>
internal static class StoreSchema
{
    public const int CurrentVersion = 1;

    public const string CreateVersionTable = "CREATE TABLE IF NOT EXISTS pccl_schema (version INTEGER NOT NULL)";

    public static IReadOnlyList<string[]> Migrations { get; } =
    [
        [
            "CREATE TABLE pccl_leadership (id INTEGER PRIMARY KEY, epoch BIGINT NOT NULL, holder TEXT NOT NULL, address TEXT NOT NULL, expires_ms BIGINT NOT NULL)",
            "INSERT INTO pccl_leadership (id, epoch, holder, address, expires_ms) VALUES (1, 0, '', '', 0)",
            "CREATE TABLE pccl_shared_state (peer_group BIGINT PRIMARY KEY, revision BIGINT NOT NULL, hashes TEXT NOT NULL)",
        ],
    ];
}
