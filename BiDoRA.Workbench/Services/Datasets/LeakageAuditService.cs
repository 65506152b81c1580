using System.Collections.Concurrent;
using System.Diagnostics;
using System.Threading.Channels;
using BiDoRA.Engine.Data;
using BiDoRA.Workbench.Services.Storage;
using Microsoft.Extensions.Options;

namespace BiDoRA.Workbench.Services.Datasets;

/// <summary>
/// The leakage audit of every dataset with test rows, in the background after its upload (the upload never waits
/// for it): MMseqs2 finds each test sequence's nearest training sequence (<see cref="SequenceClustering.NearestIdentity"/>),
/// a slice of test sequences at a time so the page can show progress and a cancel stops it between slices (or kills
/// the running search). The result is stored in the dataset's record. On start-up, datasets that were never audited,
/// or whose audit was interrupted, are audited again. One audit runs at a time.
/// </summary>
internal sealed class LeakageAuditService(IDatasetStore store, WorkbenchPaths paths, IOptions<WorkbenchOptions> options, ILogger<LeakageAuditService> logger) : BackgroundService
{
    /// <summary>About how many slices an audit is searched in: enough for a progress bar, few enough that MMseqs2's start-up stays small.</summary>
    private const int Slices = 8;

    private const int MinSlice = 50;

    private readonly Channel<string> _queue = Channel.CreateUnbounded<string>();
    private readonly ConcurrentDictionary<string, byte> _pending = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, Running> _running = new(StringComparer.Ordinal);

    private sealed record Running(CancellationTokenSource Cancel, Stopwatch Clock)
    {
        public double Fraction { get; set; }
    }

    /// <summary>An audit started, progressed or ended (the dataset id).</summary>
    public event Action<string>? Changed;

    /// <summary>The warning threshold in force (Workbench:LeakageThreshold).</summary>
    public double DefaultThreshold => options.Value.LeakageThreshold is > 0 and <= 1 ? options.Value.LeakageThreshold : 0.9;

    /// <summary>Queues an audit of the dataset (again, when it ran before); false when it has no test rows or is already queued.</summary>
    public bool Enqueue(string datasetId)
    {
        if (store.Get(datasetId) is not { TestRows: > 0, TrainRows: > 0 }) return false;
        if (!_pending.TryAdd(datasetId, 0)) return false;
        var queued = new LeakageAudit { Status = LeakageAuditStatus.Running, StartedAt = DateTimeOffset.UtcNow };
        store.SetAudit(datasetId, queued);
        _queue.Writer.TryWrite(datasetId);
        Changed?.Invoke(datasetId);
        return true;
    }

    /// <summary>Stops a queued or running audit; false when none is.</summary>
    public bool Cancel(string datasetId)
    {
        if (_running.TryGetValue(datasetId, out var running))
        {
            running.Cancel.Cancel();
            return true;
        }
        if (!_pending.TryRemove(datasetId, out _)) return false;
        Finish(datasetId, Cancelled(store.Get(datasetId)?.Audit));
        return true;
    }

    /// <summary>The audit at <paramref name="threshold"/> (default: the configured one); null when the dataset does not exist.</summary>
    public LeakageAuditView? View(string datasetId, double? threshold = null)
    {
        if (store.Get(datasetId) is not { } dataset) return null;
        var at = threshold ?? DefaultThreshold;
        var audit = dataset.Audit;
        var bins = Enumerable.Range(0, LeakageAudit.Bins).Select(b => (b / (double)LeakageAudit.Bins, (b + 1) / (double)LeakageAudit.Bins)).ToList();
        if (audit is null)
        {
            return new LeakageAuditView(dataset.Id, null, dataset.TestRows == 0 ? "The dataset has no test rows: there is no split to audit." : null,
                dataset.TrainRows, dataset.TestRows, at, 0, null, [], [], null, null);
        }
        var running = _running.GetValueOrDefault(datasetId);
        var histogram = audit.Status == LeakageAuditStatus.Completed ? audit.Histogram().Select((c, b) => new IdentityBin(bins[b].Item1, bins[b].Item2, c)).ToList() : [];
        var count = audit.AtOrAbove(at);
        var closest = audit.NearestIdentity.Select((identity, i) => new NearestTraining(i < audit.TestIds.Count ? audit.TestIds[i] : $"test-{i + 1}", identity))
            .OrderByDescending(n => n.Identity).Take(20).ToList();
        string? warning = null;
        if (audit.Status == LeakageAuditStatus.Completed && count > 0)
        {
            warning = $"{count:N0} of {audit.TestSequences:N0} test sequences ({count / (double)Math.Max(1, audit.TestSequences):P0}) have a training sequence with ≥ {at:P0} identity: "
                      + "test metrics on them measure how well the model recalls near-copies, not how it generalises. "
                      + $"Cross-validate with homology-aware folds (sweep --folds 5 --cluster-identity {SequenceClustering.DefaultIdentity}) or remove them from the test set.";
        }
        double? seconds = audit.FinishedAt is { } end ? (end - audit.StartedAt).TotalSeconds : running?.Clock.Elapsed.TotalSeconds;
        return new LeakageAuditView(dataset.Id, audit.Status, audit.Message, audit.TrainSequences, audit.TestSequences, at, count, warning, histogram, closest,
            audit.Status == LeakageAuditStatus.Running ? running?.Fraction ?? 0 : null, seconds);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await Task.Yield();
        try
        {
            foreach (var dataset in store.List().Where(d => d.TestRows > 0 && d.TrainRows > 0 && d.Audit is null or { Status: LeakageAuditStatus.Running }))
            {
                Enqueue(dataset.Id);
            }
        }
        catch (Exception e) when (e is InvalidDataException or IOException)
        {
            logger.LogWarning(e, "Leakage audits of existing datasets were not queued.");
        }
        await foreach (var id in _queue.Reader.ReadAllAsync(stoppingToken))
        {
            if (!_pending.TryRemove(id, out _)) continue;   // cancelled while queued
            try
            {
                await AuditAsync(id, stoppingToken);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                // An audit is advice: whatever breaks it (a store that is away) must not stop the workbench with it.
                logger.LogError(e, "Leakage audit of dataset {DatasetId} failed.", id);
            }
        }
    }

    private async Task AuditAsync(string id, CancellationToken stoppingToken)
    {
        using var cancel = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
        var running = new Running(cancel, Stopwatch.StartNew());
        _running[id] = running;
        var started = DateTimeOffset.UtcNow;
        var audit = new LeakageAudit { Status = LeakageAuditStatus.Running, StartedAt = started };
        try
        {
            if (store.Get(id) is not { } dataset) return;
            store.SetAudit(id, audit);
            Changed?.Invoke(id);
            var records = await Task.Run(() => Rows(dataset, cancel.Token), cancel.Token);
            var train = records.Where(r => r.Split == DatasetSplit.Train).Select(r => r.Sequence).ToList();
            var test = records.Where(r => r.Split == DatasetSplit.Test).ToList();
            audit = audit with { TrainSequences = train.Count, TestSequences = test.Count, TestIds = test.Select(r => r.Id).ToList() };
            var mmseqs = options.Value.MmseqsPath;
            if (SequenceClustering.Executable(mmseqs) is null)
            {
                Finish(id, audit with { Status = LeakageAuditStatus.Unavailable, Message = Unaudited(mmseqs), FinishedAt = DateTimeOffset.UtcNow });
                return;
            }
            var nearest = new List<double>(test.Count);
            var slice = Math.Max(MinSlice, (int)Math.Ceiling(test.Count / (double)Slices));
            for (var start = 0; start < test.Count; start += slice)
            {
                var queries = test.Skip(start).Take(slice).Select(r => r.Sequence).ToList();
                var found = await Task.Run(() => SequenceClustering.NearestIdentity(queries, train, cancel.Token, mmseqs), cancel.Token);
                nearest.AddRange(found.Select(v => Math.Round(v, 4)));
                running.Fraction = nearest.Count / (double)test.Count;
                Changed?.Invoke(id);
            }
            Finish(id, audit with { Status = LeakageAuditStatus.Completed, NearestIdentity = nearest, FinishedAt = DateTimeOffset.UtcNow });
            logger.LogInformation("Leakage audit of dataset {DatasetId}: {Test} test against {Train} training sequences in {Seconds:0.0} s; {Count} at ≥ {Threshold:P0} identity.",
                id, test.Count, train.Count, running.Clock.Elapsed.TotalSeconds, nearest.Count(v => v >= DefaultThreshold), DefaultThreshold);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Shutting down: the record still says running, and the next start audits it again.
        }
        catch (OperationCanceledException)
        {
            Finish(id, Cancelled(audit));
        }
        catch (HomologyToolException e)
        {
            logger.LogWarning("Leakage audit of dataset {DatasetId} failed: {Message}", id, e.Message);
            Finish(id, audit with { Status = LeakageAuditStatus.Failed, Message = e.Message + " The split is unaudited.", FinishedAt = DateTimeOffset.UtcNow });
        }
        catch (Exception e) when (e is InvalidDataException or IOException)
        {
            logger.LogWarning(e, "Leakage audit of dataset {DatasetId} could not read its rows.", id);
            Finish(id, audit with { Status = LeakageAuditStatus.Failed, Message = $"The stored rows could not be read: {e.Message}", FinishedAt = DateTimeOffset.UtcNow });
        }
        finally
        {
            _running.TryRemove(id, out _);
            Changed?.Invoke(id);
        }
    }

    /// <summary>The stored rows with their split, read back as the statistics are.</summary>
    private IReadOnlyList<SequenceRecord> Rows(DatasetRecord dataset, CancellationToken cancellationToken)
    {
        var options = new ImportOptions
        {
            SequenceColumn = dataset.SequenceColumn, LabelColumn = dataset.LabelColumn, Task = dataset.Task,
            TestFraction = 0, MaxResidues = int.MaxValue, LabelsOptional = true,
        };
        var result = DatasetImporter.Import(paths.DatasetFile(dataset.Id), options, cancellationToken);
        return result.Dataset?.Records ?? throw new InvalidDataException(string.Join("; ", result.Errors.Take(3)));
    }

    private void Finish(string id, LeakageAudit audit)
    {
        store.SetAudit(id, audit);
        Changed?.Invoke(id);
    }

    private static LeakageAudit Cancelled(LeakageAudit? audit) => (audit ?? new LeakageAudit { StartedAt = DateTimeOffset.UtcNow }) with
    {
        Status = LeakageAuditStatus.Cancelled, NearestIdentity = [], FinishedAt = DateTimeOffset.UtcNow,
        Message = "The audit was cancelled: the split is unaudited. Run it again from the Datasets page.",
    };

    /// <summary>What the page says when MMseqs2 is missing.</summary>
    internal static string Unaudited(string? configured) =>
        "The split is unaudited: MMseqs2 "
        + (configured is { Length: > 0 } ? $"is not at {configured} (Workbench:MmseqsPath)" : "is not installed")
        + ". Install it with `apt-get install mmseqs2` (Debian/Ubuntu) or `conda install -c bioconda mmseqs2`, or set Workbench:MmseqsPath to the mmseqs executable, then audit again. "
        + "Until then, near-duplicate sequences may sit on both sides of the split and inflate test metrics.";
}
