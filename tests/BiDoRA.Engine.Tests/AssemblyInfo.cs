// libtorch's default random generator is process-wide: dropout, initialisation and the resume tests' bit-exact
// comparisons must not interleave with another test's draws. (The workbench likewise trains one run at a time.)
[assembly: CollectionBehavior(DisableTestParallelization = true)]
