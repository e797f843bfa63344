using InitLab.Data;
using InitLab.Rbm;

namespace InitLab.Init;

/// <summary>
/// What data-driven initializers (LSUV, DBN pretraining) may look at: the training data, a
/// held-out set for monitoring, where to report pretraining progress, and the thread count.
/// </summary>
public sealed record InitContext(Dataset? Train, Dataset? HeldOut = null, IProgress<RbmEpochReport>? RbmProgress = null, int Threads = 0);
