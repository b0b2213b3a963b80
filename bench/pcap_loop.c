/* limen-bench-pcap-loop: reads every packet of a capture with libpcap and does nothing else but
 * sum lengths, so the benchmark shows the floor any libpcap-based tool pays for reading the file
 * (page cache, record parsing, the buffered read of every record).
 *
 *   limen-bench-pcap-loop CAPTURE      prints packets, bytes on the wire and bytes captured */

#include <pcap/pcap.h>
#include <stdio.h>

int main(int argc, char** argv) {
  if (argc != 2) {
    fprintf(stderr, "usage: limen-bench-pcap-loop CAPTURE\n");
    return 1;
  }
  char error[PCAP_ERRBUF_SIZE] = {0};
  pcap_t* pcap = pcap_open_offline(argv[1], error);
  if (pcap == NULL) {
    fprintf(stderr, "limen-bench-pcap-loop: %s\n", error);
    return 2;
  }
  struct pcap_pkthdr* header = NULL;
  const u_char* data = NULL; /* read by libpcap into its buffer; nothing to do with it here */
  unsigned long long packets = 0;
  unsigned long long bytes = 0;
  unsigned long long captured = 0;
  int rc = 0;
  while ((rc = pcap_next_ex(pcap, &header, &data)) == 1) {
    ++packets;
    bytes += header->len;
    captured += header->caplen;
  }
  if (rc == PCAP_ERROR) {
    fprintf(stderr, "limen-bench-pcap-loop: %s: %s\n", argv[1], pcap_geterr(pcap));
    pcap_close(pcap);
    return 2;
  }
  pcap_close(pcap);
  printf("%llu packets, %llu bytes on the wire, %llu captured\n", packets, bytes, captured);
  return 0;
}
