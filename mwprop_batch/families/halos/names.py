"""The names of the halo models and the data file each is read from (no imports: cheap)."""

# model name -> data/halos/<file>.toml
HALO_FILES = {"yt2020": "yt2020", "yt2020_sphere": "yt2020", "yt2020_disk": "yt2020",
              "pz19": "pz19", "halo50": "halo50"}
HALO_NAMES = tuple(HALO_FILES)
